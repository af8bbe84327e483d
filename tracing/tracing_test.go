package tracing

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// TestRestartContinuesTrace: an execution observed by one exporter up to a point and by
// another (a node after a restart) from there on is one trace, its later spans children of
// the execution span the first would have made, with the events' timestamps.
func TestRestartContinuesTrace(t *testing.T) {
	url, received := collect(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := func(s int) history.Time { return history.Time{Time: t0.Add(time.Duration(s) * time.Second)} }
	row := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:m:e", Name: "e", StartedAt: t0}
	halves := [][]history.Event{
		{{Type: "ExecutionStarted", ID: 1, Timestamp: at(0)},
			{Type: "PassStateEntered", ID: 2, Timestamp: at(1), Details: &history.StateEntered{Name: "A"}},
			{Type: "PassStateExited", ID: 3, Timestamp: at(2), Details: &history.StateExited{Name: "A"}}},
		{{Type: "PassStateEntered", ID: 4, Timestamp: at(3), Details: &history.StateEntered{Name: "B"}},
			{Type: "PassStateExited", ID: 5, Timestamp: at(4), Details: &history.StateExited{Name: "B"}},
			{Type: "ExecutionSucceeded", ID: 6, Timestamp: at(5)}},
	}
	for _, events := range halves {
		x, err := New(ctx, Options{Endpoint: url})
		if err != nil {
			t.Fatal(err)
		}
		x.Observe(ctx, row, events)
		if err := x.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}
	spans := received()
	by := map[string]*tracepb.Span{}
	for _, sp := range spans {
		by[sp.Name] = sp
	}
	exec, a, b := by["e"], by["A"], by["B"]
	if len(spans) != 3 || exec == nil || a == nil || b == nil {
		t.Fatalf("got %d spans: %v", len(spans), by)
	}
	for _, sp := range []*tracepb.Span{a, b} {
		if string(sp.TraceId) != string(exec.TraceId) || string(sp.ParentSpanId) != string(exec.SpanId) {
			t.Errorf("state %s is not in the execution's trace under its span", sp.Name)
		}
	}
	if got := time.Unix(0, int64(b.StartTimeUnixNano)).UTC(); !got.Equal(t0.Add(3 * time.Second)) {
		t.Errorf("B starts at %v", got)
	}
	if got := time.Unix(0, int64(exec.EndTimeUnixNano)).UTC(); !got.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("the execution ends at %v", got)
	}
}

// collect starts an OTLP/HTTP collector that decodes the export requests; received returns
// the spans it has been sent.
func collect(t *testing.T) (url string, received func() []*tracepb.Span) {
	var mu sync.Mutex
	var spans []*tracepb.Span
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, ss := range rs.ScopeSpans {
				spans = append(spans, ss.Spans...)
			}
		}
		mu.Unlock()
	}))
	t.Cleanup(collector.Close)
	return collector.URL, func() []*tracepb.Span {
		mu.Lock()
		defer mu.Unlock()
		return append([]*tracepb.Span(nil), spans...)
	}
}
