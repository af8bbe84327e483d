package tracing

import (
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/stepwise-run/stepwise/engine"
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

// TestTaskContextIsTheTaskSpan: the trace context a task runs in (what it calls is under it)
// is its task span, as exported when the task ends: a task of the execution's, and one of a
// Distributed Map's child execution, which the node runs as the parent's. A Lambda function
// scheduled by its ARN has no task span: its calls are under the execution's span.
func TestTaskContextIsTheTaskSpan(t *testing.T) {
	url, received := collect(t)
	ctx := context.Background()
	x, err := New(ctx, Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	at := history.Time{Time: t0}
	const parentArn = "arn:aws:states:us-east-1:123456789012:execution:m:parent"
	const childArn = "arn:aws:states:us-east-1:123456789012:execution:m/run:child"
	parent := &store.Execution{Arn: parentArn, Name: "parent", StartedAt: t0}
	child := &store.Execution{Arn: childArn, Name: "child", StartedAt: t0, ParentArn: parentArn}
	running := []history.Event{{Type: "ExecutionStarted", ID: 1, Timestamp: at},
		{Type: "TaskStateEntered", ID: 2, PreviousEventID: 1, Timestamp: at, Details: &history.StateEntered{Name: "T"}},
		{Type: "TaskScheduled", ID: 3, PreviousEventID: 2, Timestamp: at, Details: &history.TaskScheduled{ResourceType: "lambda", Resource: "invoke"}}}
	ended := []history.Event{{Type: "TaskSucceeded", ID: 4, PreviousEventID: 3, Timestamp: at, Details: &history.TaskOutput{}},
		{Type: "TaskStateExited", ID: 5, PreviousEventID: 4, Timestamp: at, Details: &history.StateExited{Name: "T"}},
		{Type: "ExecutionSucceeded", ID: 6, PreviousEventID: 5, Timestamp: at}}
	x.Observe(ctx, parent, running)
	x.Observe(ctx, child, running)
	of := func(t *engine.Task) string {
		return trace.SpanContextFromContext(x.TaskContext(ctx, parentArn, t)).SpanID().String()
	}
	own := of(&engine.Task{ScheduledEventID: 3, Execution: parentArn})
	childs := of(&engine.Task{ScheduledEventID: 3, Execution: parentArn, ChildExecution: childArn})
	byArn := of(&engine.Task{Execution: parentArn})
	const unseen = "arn:aws:states:us-east-1:123456789012:execution:m/run:unseen" // not followed here: derived
	if got, want := of(&engine.Task{ScheduledEventID: 3, Execution: parentArn, ChildExecution: unseen}), childSpan(executionSpan(unseen), 't', 3).String(); got != want {
		t.Errorf("a task of a child not followed here runs in span %s, want %s", got, want)
	}
	x.Observe(ctx, parent, ended)
	x.Observe(ctx, child, ended)
	if err := x.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	tasks := map[string]string{} // the task spans' ids, by their execution's span id
	var execs []string
	for _, sp := range received() {
		switch sp.Name {
		case "lambda:invoke":
			tasks[hex.EncodeToString(sp.SpanId)] = sp.Name
		case "parent":
			execs = append(execs, hex.EncodeToString(sp.SpanId))
		}
	}
	if len(tasks) != 2 || tasks[own] == "" || tasks[childs] == "" || own == childs {
		t.Errorf("task contexts %s (parent's) and %s (child's), task spans %v", own, childs, tasks)
	}
	if len(execs) != 1 || byArn != execs[0] {
		t.Errorf("a task without a TaskScheduled event runs in span %s, want the execution's %v", byArn, execs)
	}
}

// TestChildUnderItsTask: a child execution that keeps the trace context of the task that
// started it (TraceParent) is in that trace under the task's span, with no read of its
// parent; not exported when the task's trace is not sampled; and a trace header it was
// given wins, as it places the execution wherever it is given.
func TestChildUnderItsTask(t *testing.T) {
	url, received := collect(t)
	ctx := context.Background()
	x, err := New(ctx, Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	x.SetParent(func(_ context.Context, arn string) (string, string, error) {
		t.Errorf("the parent of %s was read", arn)
		return "", "", nil
	})
	const task = "00-5759e988bd862e3fe1be46a994272793-0123456789abcdef-01"
	if got := TraceParent(trace.ContextWithSpanContext(ctx, parseTraceParent(task))); got != task {
		t.Fatalf("TraceParent(parseTraceParent(%s)) = %q", task, got)
	}
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	run := func(name, traceParent, traceHeader string) {
		row := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:child:" + name, Name: name, StartedAt: t0,
			ParentArn: "arn:aws:states:us-east-1:123456789012:execution:parent:p", TraceParent: traceParent, TraceHeader: traceHeader}
		x.Observe(ctx, row, []history.Event{{Type: "ExecutionStarted", ID: 1, Timestamp: history.Time{Time: t0}},
			{Type: "ExecutionSucceeded", ID: 2, PreviousEventID: 1, Timestamp: history.Time{Time: t0}}})
	}
	run("under-task", task, "")
	run("unsampled", "00-5759e988bd862e3fe1be46a994272793-0123456789abcdef-00", "")
	run("header", task, "Root=1-11111111-222222222222222222222222;Parent=3333333333333333;Sampled=1")
	if err := x.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, sp := range received() {
		got[sp.Name] = hex.EncodeToString(sp.TraceId) + "/" + hex.EncodeToString(sp.ParentSpanId)
	}
	want := map[string]string{"under-task": "5759e988bd862e3fe1be46a994272793/0123456789abcdef",
		"header": "11111111222222222222222222222222/3333333333333333"}
	if len(got) != len(want) || got["under-task"] != want["under-task"] || got["header"] != want["header"] {
		t.Errorf("execution spans (trace/parent) %v, want %v", got, want)
	}
}
