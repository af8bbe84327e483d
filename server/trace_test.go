package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

// otlpReceiver is an OTLP/HTTP collector: it decodes the protobuf export requests the SDK's
// exporter sends and keeps their spans.
type otlpReceiver struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			o.spans = append(o.spans, ss.Spans...)
		}
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	_, _ = w.Write(out)
}

// TestTracesCoverParentAndChild runs a traced execution that invokes a Lambda function and
// starts a traced child execution, and an untraced one: the collector gets one trace with
// the parent's and the child's execution, state and task spans, the function gets that
// trace in traceparent and X-Amzn-Trace-Id, and the untraced execution sends no span.
func TestTracesCoverParentAndChild(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	var hdrMu sync.Mutex
	var traceparent, xray string
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdrMu.Lock()
		traceparent, xray = r.Header.Get("traceparent"), r.Header.Get("X-Amzn-Trace-Id")
		hdrMu.Unlock()
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer fn.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := New(ctx, Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "db"), OTLPEndpoint: collector.URL,
		Functions: map[string]lambda.Spec{"fn": {Endpoint: fn.URL}}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; s.Close() }()

	call := func(action string, req any) map[string]any {
		t.Helper()
		body, _ := json.Marshal(req)
		out, err := s.API.Invoke(ctx, action, body)
		if err != nil {
			t.Fatalf("%s: %v", action, err)
		}
		var m map[string]any
		_ = json.Unmarshal(out, &m)
		return m
	}
	role := "arn:aws:iam::123456789012:role/r"
	create := func(name, def string, traced bool) string {
		return call("CreateStateMachine", map[string]any{"name": name, "roleArn": role, "definition": def,
			"tracingConfiguration": map[string]bool{"enabled": traced}})["stateMachineArn"].(string)
	}
	child := create("child", `{"StartAt":"Inner","States":{"Inner":{"Type":"Pass","End":true}}}`, true)
	parent := create("parent", `{"StartAt":"Call","States":{
		"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fn","Payload":{}},"Next":"Child"},
		"Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+child+`","Input":{}},"End":true}}}`, true)
	plain := create("plain", `{"StartAt":"Quiet","States":{"Quiet":{"Type":"Pass","End":true}}}`, false)

	run := func(sm, name string) {
		t.Helper()
		arn := call("StartExecution", map[string]any{"stateMachineArn": sm, "name": name})["executionArn"].(string)
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		defer wcancel()
		row, err := s.Node.WaitEnded(wctx, arn)
		if err != nil || row.Status != "SUCCEEDED" {
			t.Fatalf("%s: %+v, %v", name, row, err)
		}
	}
	run(plain, "quiet-run")
	run(parent, "parent-run")
	if err := s.traces.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}

	recv.mu.Lock()
	spans := recv.spans
	recv.mu.Unlock()
	byName := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byName[sp.Name] = sp
		if sp.Name == "quiet-run" || sp.Name == "Quiet" {
			t.Errorf("untraced execution sent span %q", sp.Name)
		}
	}
	parentSpan, innerSpan := byName["parent-run"], byName["Inner"]
	if parentSpan == nil || byName["Call"] == nil || byName["Child"] == nil || innerSpan == nil || byName["lambda:invoke"] == nil {
		names := []string{}
		for n := range byName {
			names = append(names, n)
		}
		t.Fatalf("spans received: %v", names)
	}
	traceID := hex.EncodeToString(parentSpan.TraceId)
	var childExec *tracepb.Span
	for _, sp := range spans {
		if got := hex.EncodeToString(sp.TraceId); got != traceID {
			t.Errorf("span %q is in trace %s, want the parent's %s", sp.Name, got, traceID)
		}
		if sp.EndTimeUnixNano < sp.StartTimeUnixNano || sp.StartTimeUnixNano == 0 {
			t.Errorf("span %q runs from %d to %d", sp.Name, sp.StartTimeUnixNano, sp.EndTimeUnixNano)
		}
		if string(sp.SpanId) == string(innerSpan.ParentSpanId) {
			childExec = sp
		}
	}
	if len(parentSpan.ParentSpanId) != 0 {
		t.Errorf("the parent execution's span has a parent")
	}
	if childExec == nil || string(childExec.ParentSpanId) != string(parentSpan.SpanId) {
		t.Errorf("the child execution's span (%v) is not a child of the parent execution's", childExec)
	}
	if task := byName["lambda:invoke"]; string(task.ParentSpanId) != string(byName["Call"].SpanId) {
		t.Errorf("the Lambda task's span is not a child of its state's")
	}
	hdrMu.Lock()
	defer hdrMu.Unlock()
	if !strings.HasPrefix(traceparent, "00-"+traceID+"-") {
		t.Errorf("the function got traceparent %q, want trace %s", traceparent, traceID)
	}
	if want := "Root=1-" + traceID[:8] + "-" + traceID[8:] + ";"; !strings.HasPrefix(xray, want) {
		t.Errorf("the function got X-Amzn-Trace-Id %q, want %s...", xray, want)
	}
}
