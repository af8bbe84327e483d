package server

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
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
	fnURL, headers := whoHeaders(t)
	ctx, s, recv := tracedServer(t, map[string]lambda.Spec{"fn": {Endpoint: fnURL}})
	api := httptest.NewServer(s.API)
	defer api.Close()
	call := apiCaller(t, ctx, api.URL)
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
	if got := headers(); !strings.HasSuffix(got["unasked"], ";Sampled=0") || !strings.HasSuffix(got["asked"], ";Sampled=1") {
		t.Errorf("the function's X-Amzn-Trace-Id: %v", got)
	}
}

// whoHeaders starts a Lambda Invoke API endpoint whose function answers {}, and returns what
// X-Amzn-Trace-Id each call carried, by its payload's Who.
func whoHeaders(t *testing.T) (url string, headers func() map[string]string) {
	var mu sync.Mutex
	got := map[string]string{}
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p struct{ Who string }
		_ = json.NewDecoder(r.Body).Decode(&p)
		mu.Lock()
		got[p.Who] = r.Header.Get("X-Amzn-Trace-Id")
		mu.Unlock()
		_, _ = w.Write([]byte(`{}`))
	}))
	t.Cleanup(fn.Close)
	return fn.URL, func() map[string]string {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(got)
	}
}

// apiCaller calls the API's actions at url, with an X-Amzn-Trace-Id header when one is
// given, and fails the test on an error answer.
func apiCaller(t *testing.T, ctx context.Context, url string) func(action string, req any, header string) map[string]any {
	return func(action string, req any, header string) map[string]any {
		t.Helper()
		body, _ := json.Marshal(req)
		hr, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
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
}
