package httptask_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// TestTraceparent: an HTTP Task of a traced execution (its context carries the execution's
// span) sends W3C traceparent naming that trace and span; an untraced one sends none.
func TestTraceparent(t *testing.T) {
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("traceparent"))
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]bool{"ok": true})
	}))
	defer srv.Close()
	h := handler(t, nil)
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	traced := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled, Remote: true}))
	for _, tc := range []struct {
		ctx  context.Context
		want string
	}{
		{traced, "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
		{context.Background(), ""},
	} {
		seen = nil
		if _, err := h.RunTask(tc.ctx, task(params(map[string]any{"ApiEndpoint": srv.URL}))); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 1 || seen[0] != tc.want {
			t.Errorf("the endpoint got traceparent %q, want %q", seen, tc.want)
		}
	}
}
