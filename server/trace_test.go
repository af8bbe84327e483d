package server

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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

// tracedServer starts a server on a new SQLite store, with these Lambda functions, exporting
// its spans to an OTLP receiver; both stop when the test ends.
func tracedServer(t *testing.T, functions map[string]lambda.Spec) (context.Context, *Server, *otlpReceiver) {
	t.Helper()
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	t.Cleanup(collector.Close)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, Config{Store: "sqlite:" + filepath.Join(t.TempDir(), "db"), OTLPEndpoint: collector.URL, Functions: functions})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done; s.Close() })
	return ctx, s, recv
}

// flushed sends the spans s has batched and returns all the receiver got.
func (o *otlpReceiver) flushed(t *testing.T, ctx context.Context, s *Server) []*tracepb.Span {
	t.Helper()
	if err := s.traces.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]*tracepb.Span(nil), o.spans...)
}

// TestTracesCoverParentAndChild runs a traced execution that invokes a Lambda function and
// starts a traced child execution, and an untraced one: the collector gets one trace with
// the parent's and the child's execution, state and task spans (the child's execution under
// the task that started it), the function gets that
// trace in traceparent and X-Amzn-Trace-Id, under its task's span, and the untraced
// execution sends no span.
func TestTracesCoverParentAndChild(t *testing.T) {
	var hdrMu sync.Mutex
	var traceparent, xray string
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdrMu.Lock()
		traceparent, xray = r.Header.Get("traceparent"), r.Header.Get("X-Amzn-Trace-Id")
		hdrMu.Unlock()
		_, _ = w.Write([]byte(`{"ok":true}`))
	}))
	defer fn.Close()
	ctx, s, recv := tracedServer(t, map[string]lambda.Spec{"fn": {Endpoint: fn.URL}})

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
	spans := recv.flushed(t, ctx, s)
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
	start := byName["states:startExecution.sync:2"]
	if start == nil || string(start.ParentSpanId) != string(byName["Child"].SpanId) {
		t.Fatalf("the startExecution task's span (%v) is not under its state's", start)
	}
	if childExec == nil || string(childExec.ParentSpanId) != string(start.SpanId) {
		t.Errorf("the child execution's span (%v) is not a child of the task that started it", childExec)
	}
	if task := byName["lambda:invoke"]; string(task.ParentSpanId) != string(byName["Call"].SpanId) {
		t.Errorf("the Lambda task's span is not a child of its state's")
	}
	hdrMu.Lock()
	defer hdrMu.Unlock()
	// The function is called under its task's span.
	task := hex.EncodeToString(byName["lambda:invoke"].SpanId)
	if want := "00-" + traceID + "-" + task + "-01"; traceparent != want {
		t.Errorf("the function got traceparent %q, want %s (its task's span)", traceparent, want)
	}
	if want := "Root=1-" + traceID[:8] + "-" + traceID[8:] + ";Parent=" + task + ";Sampled=1"; xray != want {
		t.Errorf("the function got X-Amzn-Trace-Id %q, want %s", xray, want)
	}
}

// TestTracesOfConcurrentTasks runs a Map state whose three iterations call a function at
// once, for 300, 50 and 150 ms, and a Parallel state whose branches call it for 250 and 20
// ms: the tasks end in another order than they began, and each task span must still be
// closed by its own task's result, under its own state, iteration or branch.
func TestTracesOfConcurrentTasks(t *testing.T) {
	fn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ms int
		_ = json.NewDecoder(r.Body).Decode(&ms)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		_, _ = w.Write([]byte(`{}`))
	}))
	defer fn.Close()
	ctx, s, recv := tracedServer(t, map[string]lambda.Spec{"fn": {Endpoint: fn.URL}})

	call := func(ms string) string {
		return `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fn","Payload` + ms + `},"ResultPath":null`
	}
	def := `{"StartAt":"M","States":{
		"M":{"Type":"Map","MaxConcurrency":0,"ItemProcessor":{"StartAt":"Call","States":{
			"Call":` + call(`.$":"$"`) + `,"Next":"After"},"After":{"Type":"Pass","End":true}}},"ResultPath":null,"Next":"Par"},
		"Par":{"Type":"Parallel","Branches":[
			{"StartAt":"Slow","States":{"Slow":` + call(`":250`) + `,"End":true}}},
			{"StartAt":"Fast","States":{"Fast":` + call(`":20`) + `,"Next":"FastDone"},"FastDone":{"Type":"Pass","End":true}}}],"End":true}}}`
	body, _ := json.Marshal(map[string]any{"name": "concurrent", "roleArn": "arn:aws:iam::123456789012:role/r", "definition": def,
		"tracingConfiguration": map[string]bool{"enabled": true}})
	out, err := s.API.Invoke(ctx, "CreateStateMachine", body)
	if err != nil {
		t.Fatal(err)
	}
	var sm struct{ StateMachineArn string }
	_ = json.Unmarshal(out, &sm)
	body, _ = json.Marshal(map[string]any{"stateMachineArn": sm.StateMachineArn, "name": "run", "input": "[300,50,150]"})
	if out, err = s.API.Invoke(ctx, "StartExecution", body); err != nil {
		t.Fatal(err)
	}
	var ex struct{ ExecutionArn string }
	_ = json.Unmarshal(out, &ex)
	wctx, wcancel := context.WithTimeout(ctx, 30*time.Second)
	defer wcancel()
	if row, err := s.Node.WaitEnded(wctx, ex.ExecutionArn); err != nil || row.Status != "SUCCEEDED" {
		t.Fatalf("%+v, %v", row, err)
	}
	spans := recv.flushed(t, ctx, s)
	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byID[string(sp.SpanId)] = sp
	}
	parent := func(sp *tracepb.Span) *tracepb.Span { return byID[string(sp.ParentSpanId)] }
	dur := func(sp *tracepb.Span) time.Duration { return time.Duration(sp.EndTimeUnixNano - sp.StartTimeUnixNano) }
	items := []time.Duration{300 * time.Millisecond, 50 * time.Millisecond, 150 * time.Millisecond}
	var tasks int
	for _, task := range spans {
		if task.Name != "lambda:invoke" {
			continue
		}
		tasks++
		state := parent(task)
		if state == nil || task.StartTimeUnixNano < state.StartTimeUnixNano || task.EndTimeUnixNano > state.EndTimeUnixNano {
			t.Fatalf("a task span is not within its state's span (%v)", state)
		}
		var least time.Duration
		switch state.Name {
		case "Slow":
			least = 250 * time.Millisecond
		case "Fast":
			least = 20 * time.Millisecond
		case "Call":
			it := parent(state)
			if it == nil || it.Name != "M iteration" || parent(it) == nil || parent(it).Name != "M" {
				t.Fatalf("a Call state's span is not under an iteration of M (%v)", it)
			}
			for _, kv := range it.Attributes {
				if kv.Key == "aws.step_functions.map.iteration.index" {
					least = items[kv.Value.GetIntValue()]
				}
			}
		default:
			t.Fatalf("a task span under %q", state.Name)
		}
		if dur(task) < least || dur(state) < least {
			t.Errorf("the task under %s lasts %v, its state %v, want at least %v: closed by another's result", state.Name, dur(task), dur(state), least)
		}
		if state.Name == "Slow" || state.Name == "Fast" {
			if p := parent(state); p == nil || p.Name != "Par" {
				t.Errorf("%s is not a child of Par", state.Name)
			}
		}
	}
	if tasks != 5 {
		t.Errorf("%d task spans, want 5", tasks)
	}
}

// serveTraced runs a server on db that exports its spans to collector, until the function it
// returns stops it (a restart test starts another on the same db).
func serveTraced(t *testing.T, db, collector string) (*Server, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, Config{Store: db, OTLPEndpoint: collector, Poll: 50 * time.Millisecond})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = s.Run(ctx); close(done) }()
	return s, func() { cancel(); <-done; s.Close() }
}

// TestTracesAcrossRestart: a traced execution whose Map iterations wait while its server
// stops and another starts on the same database: the new server reads what came before from
// the history, so each iteration's span and its Wait's span still come, under the Map state
// and their own iteration, and last as long as they waited.
func TestTracesAcrossRestart(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	db := "sqlite:" + filepath.Join(t.TempDir(), "db")
	start := func() (*Server, func()) { return serveTraced(t, db, collector.URL) }
	s1, stop1 := start()
	sm := invoke(t, s1, "CreateStateMachine", map[string]any{"name": "m", "roleArn": "arn:aws:iam::123456789012:role/r",
		"tracingConfiguration": map[string]bool{"enabled": true},
		"definition": `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"W","States":{
			"W":{"Type":"Wait","SecondsPath":"$","End":true}}},"End":true}}}`})["stateMachineArn"].(string)
	arn := invoke(t, s1, "StartExecution", map[string]any{"stateMachineArn": sm, "name": "across", "input": `{"items":[2,3]}`})["executionArn"].(string)
	time.Sleep(500 * time.Millisecond) // the iterations are waiting
	stop1()
	s2, stop2 := start()
	defer stop2()
	wctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if row, err := s2.Node.WaitEnded(wctx, arn); err != nil || row.Status != "SUCCEEDED" {
		t.Fatalf("%+v, %v", row, err)
	}
	if err := s2.traces.ForceFlush(wctx); err != nil {
		t.Fatal(err)
	}
	recv.mu.Lock()
	defer recv.mu.Unlock()
	byID := map[string]*tracepb.Span{}
	var m *tracepb.Span
	var iterations, waits []*tracepb.Span
	for _, sp := range recv.spans {
		byID[string(sp.SpanId)] = sp
		switch sp.Name {
		case "M":
			m = sp
		case "M iteration":
			iterations = append(iterations, sp)
		case "W":
			waits = append(waits, sp)
		}
	}
	if m == nil || len(iterations) != 2 || len(waits) != 2 {
		t.Fatalf("spans: M %v, %d iterations, %d waits; want M, 2 and 2", m != nil, len(iterations), len(waits))
	}
	for _, it := range iterations {
		if string(it.ParentSpanId) != string(m.SpanId) {
			t.Errorf("an iteration span is not under M")
		}
	}
	for _, w := range waits {
		it := byID[string(w.ParentSpanId)]
		if it == nil || it.Name != "M iteration" {
			t.Errorf("a Wait span is not under an iteration")
			continue
		}
		d := time.Duration(w.EndTimeUnixNano - w.StartTimeUnixNano)
		if d < 2*time.Second || d > 4*time.Second {
			t.Errorf("a Wait span lasts %v, want its 2 or 3 s", d)
		}
	}
}
