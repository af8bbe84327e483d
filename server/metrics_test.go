package server

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/runner"
)

// TestMetricsLabelOnlyActions sends made-up X-Amz-Target names, as any caller can without
// signing: /metrics counts them under one "unknown" label instead of a series each.
func TestMetricsLabelOnlyActions(t *testing.T) {
	m := newMetrics()
	h := m.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(400) }))
	for i := range 300 {
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set("X-Amz-Target", "AWSStepFunctions.Made"+strings.Repeat("Up", i))
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	for _, target := range []string{"AWSStepFunctions.ListStateMachines", "Other.ListStateMachines", ""} {
		req := httptest.NewRequest("POST", "/", nil)
		req.Header.Set("X-Amz-Target", target)
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
	var b strings.Builder
	m.write(&b, &runner.Node{})
	out := b.String()
	for _, want := range []string{
		`stepwise_api_requests_total{action="unknown",status="400"} 301`,
		`stepwise_api_requests_total{action="ListStateMachines",status="400"} 1`,
		`stepwise_api_requests_total{action="",status="400"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(out, "MadeUp") || strings.Count(out, "stepwise_api_requests_total{") != 3 {
		t.Errorf("/metrics has series for made-up names:\n%s", out)
	}
	if len(out) > 4096 {
		t.Errorf("/metrics is %d bytes after 303 requests", len(out))
	}
}
