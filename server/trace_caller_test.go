package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/stepwise-run/stepwise/integration/lambda"
)

// TestTracesJoinTheCaller: an execution started with an X-Ray trace header is in its
// caller's trace, under the caller's segment, with the X-Amzn-Trace-Id header preferred to
// the body's traceHeader (as AWS documents); so is the child it starts. Express executions
// the API runs (StartSyncExecution, StartExecution) are traced like Standard ones and pass
// their trace on to the functions they call. Sampled=0 exports nothing, and passes the
// decision on.
func TestTracesJoinTheCaller(t *testing.T) {
	fnURL, headers := whoHeaders(t)
	ctx, s, recv := tracedServer(t, map[string]lambda.Spec{"fn": {Endpoint: fnURL}})
	api := httptest.NewServer(s.API)
	defer api.Close()
	call := apiCaller(t, ctx, api.URL)
	create := func(name, typ, def string) string {
		return call("CreateStateMachine", map[string]any{"name": name, "type": typ, "roleArn": "arn:aws:iam::123456789012:role/r",
			"definition": def, "tracingConfiguration": map[string]bool{"enabled": true}}, "")["stateMachineArn"].(string)
	}
	invoke := func(state, next string) string {
		return `"` + state + `":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fn","Payload":{"Who.$":"$$.Execution.Name"}},"ResultPath":null,` + next + `}`
	}
	child := create("child", "STANDARD", `{"StartAt":"Inner","States":{"Inner":{"Type":"Pass","End":true}}}`)
	parent := create("parent", "STANDARD", `{"StartAt":"Call","States":{`+invoke("Call", `"Next":"Child"`)+`,
		"Child":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{"StateMachineArn":"`+child+`","Name.$":"States.Format('{}-child', $$.Execution.Name)","Input":{}},"End":true}}}`)
	express := create("express", "EXPRESS", `{"StartAt":"ExpressCall","States":{`+invoke("ExpressCall", `"End":true`)+`}}`)

	const (
		callerTrace = "5759e988bd862e3fe1be46a994272793"
		header      = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
		body        = "Root=1-11111111-222222222222222222222222;Parent=3333333333333333;Sampled=1"
		unsampled   = "Root=1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb;Sampled=0"
		syncTrace   = "0123456789abcdef0123456789abcdef"
		syncHeader  = "Root=1-01234567-89abcdef0123456789abcdef;Sampled=1"
	)
	wait := func(arn string) {
		t.Helper()
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		defer wcancel()
		if row, err := s.Node.WaitEnded(wctx, arn); err != nil || row.Status != "SUCCEEDED" {
			t.Fatalf("%s: %+v, %v", arn, row, err)
		}
	}
	joined := call("StartExecution", map[string]any{"stateMachineArn": parent, "name": "joined", "traceHeader": body}, header)["executionArn"].(string)
	wait(joined)
	if th := call("DescribeExecution", map[string]any{"executionArn": joined}, "")["traceHeader"]; th != header {
		t.Errorf("DescribeExecution: traceHeader %v, want the HTTP header's %q", th, header)
	}
	quiet := call("StartExecution", map[string]any{"stateMachineArn": parent, "name": "quiet"}, unsampled)["executionArn"].(string)
	wait(quiet)
	if out := call("StartSyncExecution", map[string]any{"stateMachineArn": express, "name": "sync", "traceHeader": syncHeader}, ""); out["status"] != "SUCCEEDED" {
		t.Fatalf("StartSyncExecution: %v", out)
	}
	call("StartExecution", map[string]any{"stateMachineArn": express, "name": "async"}, "")
	deadline := time.Now().Add(10 * time.Second)
	for {
		if n := len(headers()); n == 4 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the async execution's end, after its function returned
	spans := recv.flushed(t, ctx, s)
	byName := map[string]*tracepb.Span{}
	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byName[sp.Name] = sp
		byID[string(sp.SpanId)] = sp
		if tid := hex.EncodeToString(sp.TraceId); tid == "aaaaaaaabbbbbbbbbbbbbbbbbbbbbbbb" || sp.Name == "quiet" || sp.Name == "quiet-child" {
			t.Errorf("span %q of the unsampled execution was exported", sp.Name)
		}
	}
	trace := func(name string) string {
		if sp := byName[name]; sp != nil {
			return hex.EncodeToString(sp.TraceId)
		}
		return "no span"
	}
	for _, name := range []string{"joined", "Call", "Child", "joined-child", "Inner"} {
		if got := trace(name); got != callerTrace {
			t.Errorf("span %s: trace %s, want the X-Amzn-Trace-Id header's %s", name, got, callerTrace)
		}
	}
	if sp := byName["joined"]; sp != nil && hex.EncodeToString(sp.ParentSpanId) != "53995c3f42cd8ad8" {
		t.Errorf("the execution's span has parent %x, want the caller's segment 53995c3f42cd8ad8", sp.ParentSpanId)
	}
	if c, p := byName["joined-child"], byName["states:startExecution.sync:2"]; c == nil || p == nil || string(c.ParentSpanId) != string(p.SpanId) {
		t.Errorf("the child execution's span is not under the task that started it")
	}
	if got := trace("sync"); got != syncTrace {
		t.Errorf("the Express execution's span: trace %s, want the traceHeader's %s", got, syncTrace)
	}
	if sp := byName["sync"]; sp != nil && len(sp.ParentSpanId) != 0 {
		t.Errorf("a header without Parent gave the execution's span the parent %x", sp.ParentSpanId)
	}
	for _, sp := range spans {
		if up := byID[string(sp.ParentSpanId)]; sp.Name == "ExpressCall" && up != nil && up.Name == "sync" && hex.EncodeToString(sp.TraceId) != syncTrace {
			t.Errorf("the Express execution's state span is in trace %x", sp.TraceId)
		}
	}
	if sp := byName["async"]; sp == nil {
		t.Errorf("the Express execution StartExecution ran sent no span")
	}
	var asyncTasks int
	taskIn := map[string]string{} // the span of the lambda:invoke task, by trace
	for _, sp := range spans {
		if up := byID[string(sp.ParentSpanId)]; sp.Name == "lambda:invoke" && up != nil {
			taskIn[hex.EncodeToString(sp.TraceId)] = hex.EncodeToString(sp.SpanId)
			if up.Name == "ExpressCall" {
				asyncTasks++
			}
		}
	}
	if asyncTasks != 2 {
		t.Errorf("%d Express task spans under their state's, want 2 (sync and async)", asyncTasks)
	}

	got := headers()
	// Each function is called under its task's span, Express executions' too.
	for who, want := range map[string]string{"joined": callerTrace, "sync": syncTrace, "async": trace("async")} {
		if h := got[who]; len(want) != 32 || h != "Root=1-"+want[:8]+"-"+want[8:]+";Parent="+taskIn[want]+";Sampled=1" {
			t.Errorf("the function called by %s got X-Amzn-Trace-Id %q, want trace %s, under its task's span %s, sampled", who, h, want, taskIn[want])
		}
	}
	if h := got["quiet"]; !strings.HasPrefix(h, "Root=1-aaaaaaaa-bbbbbbbbbbbbbbbbbbbbbbbb;") || !strings.HasSuffix(h, ";Sampled=0") {
		t.Errorf("the function called by the unsampled execution got X-Amzn-Trace-Id %q", h)
	}
}

// TestTracesOfDistributedMapChildren: the child executions of a Distributed Map run in their
// parent's trace, each an execution span under the parent's Map state's, its states under it.
func TestTracesOfDistributedMapChildren(t *testing.T) {
	ctx, s, recv := tracedServer(t, nil)
	for _, typ := range []string{"STANDARD", "EXPRESS"} {
		def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{
			"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"` + typ + `"},"StartAt":"Item","States":{"Item":{"Type":"Pass","End":true}}},"End":true}}}`
		body, _ := json.Marshal(map[string]any{"name": "dmap-" + typ, "roleArn": "arn:aws:iam::123456789012:role/r", "definition": def,
			"tracingConfiguration": map[string]bool{"enabled": true}})
		out, err := s.API.Invoke(ctx, "CreateStateMachine", body)
		if err != nil {
			t.Fatal(err)
		}
		var sm struct{ StateMachineArn string }
		_ = json.Unmarshal(out, &sm)
		body, _ = json.Marshal(map[string]any{"stateMachineArn": sm.StateMachineArn, "name": "run-" + typ, "input": `{"items":[1,2,3]}`})
		if out, err = s.API.Invoke(ctx, "StartExecution", body); err != nil {
			t.Fatal(err)
		}
		var ex struct{ ExecutionArn string }
		_ = json.Unmarshal(out, &ex)
		wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
		row, err := s.Node.WaitEnded(wctx, ex.ExecutionArn)
		wcancel()
		if err != nil || row.Status != "SUCCEEDED" {
			t.Fatalf("%s: %+v, %v", typ, row, err)
		}
	}
	spans := recv.flushed(t, ctx, s)
	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byID[string(sp.SpanId)] = sp
	}
	for _, typ := range []string{"STANDARD", "EXPRESS"} {
		var parent, mapState *tracepb.Span
		for _, sp := range spans {
			if sp.Name == "run-"+typ {
				parent = sp
			}
		}
		if parent == nil {
			t.Fatalf("%s: no span for the parent execution", typ)
		}
		for _, sp := range spans {
			if sp.Name == "M" && string(sp.ParentSpanId) == string(parent.SpanId) {
				mapState = sp
			}
		}
		if mapState == nil {
			t.Fatalf("%s: no span for the Map state", typ)
		}
		children := 0
		for _, item := range spans {
			if item.Name != "Item" {
				continue
			}
			child := byID[string(item.ParentSpanId)]
			if child == nil || string(child.ParentSpanId) != string(mapState.SpanId) {
				continue
			}
			children++
			if string(child.TraceId) != string(parent.TraceId) || string(item.TraceId) != string(parent.TraceId) {
				t.Errorf("%s: a child execution's spans are not in the parent's trace", typ)
			}
		}
		if children != 3 {
			t.Errorf("%s: %d child execution spans, each with its Item state's span, under the Map state's; want 3", typ, children)
		}
	}
}
