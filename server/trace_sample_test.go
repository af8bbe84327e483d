package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

// TestTracesSampledAsTheEnvironmentSays: serve reads OTEL_TRACES_SAMPLER. With
// parentbased_always_off, an execution started without a trace header exports nothing and
// passes Sampled=0 to its function; one whose caller asked for a trace (Sampled=1) is
// exported whole, and passes Sampled=1.
func TestTracesSampledAsTheEnvironmentSays(t *testing.T) {
	t.Setenv("OTEL_TRACES_SAMPLER", "parentbased_always_off")
	var mu sync.Mutex
	headers := map[string]string{} // the X-Amzn-Trace-Id the function got, by execution name
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct{ Who string }
		_ = json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		headers[p.Who] = r.Header.Get("X-Amzn-Trace-Id")
		mu.Unlock()
		_, _ = w.Write([]byte(`{}`))
	}))
	defer fn.Close()
	ctx, s, recv := tracedServer(t, map[string]lambda.Spec{"fn": {Endpoint: fn.URL}})
	api := httptest.NewServer(s.API)
	defer api.Close()
	call := func(action string, req any, header string) map[string]any {
		t.Helper()
		body, _ := json.Marshal(req)
		hr, _ := http.NewRequestWithContext(ctx, http.MethodPost, api.URL, bytes.NewReader(body))
		hr.Header.Set("X-Amz-Target", "AWSStepFunctions."+action)
		hr.Header.Set("Content-Type", "application/x-amz-json-1.0")
		if header != "" {
			hr.Header.Set("X-Amzn-Trace-Id", header)
		}
		resp, err := http.DefaultClient.Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %v", action, resp.StatusCode, m)
		}
		return m
	}
	sm := call("CreateStateMachine", map[string]any{"name": "m", "roleArn": "arn:aws:iam::123456789012:role/r",
		"definition": `{"StartAt":"Call","States":{"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
			"Parameters":{"FunctionName":"fn","Payload":{"Who.$":"$$.Execution.Name"}},"End":true}}}`,
		"tracingConfiguration": map[string]bool{"enabled": true}}, "")["stateMachineArn"].(string)
	for _, run := range []struct{ name, header string }{
		{"unasked", ""},
		{"asked", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"},
	} {
		arn := call("StartExecution", map[string]any{"stateMachineArn": sm, "name": run.name}, run.header)["executionArn"].(string)
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		row, err := s.Node.WaitEnded(wctx, arn)
		cancel()
		if err != nil || row.Status != "SUCCEEDED" {
			t.Fatalf("%s: %+v, %v", run.name, row, err)
		}
	}
	names := map[string]bool{}
	for _, sp := range recv.flushed(t, ctx, s) {
		names[sp.Name] = true
	}
	if names["unasked"] || !names["asked"] || !names["Call"] {
		t.Errorf("spans exported: %v; want the asked execution's (asked, Call) alone", names)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.HasSuffix(headers["unasked"], ";Sampled=0") || !strings.HasSuffix(headers["asked"], ";Sampled=1") {
		t.Errorf("the function's X-Amzn-Trace-Id: %v", headers)
	}
}
