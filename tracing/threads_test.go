package tracing

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/trace"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// TestInterleavedThreads feeds the history of a Map state running three iterations at once
// (Waits of 3, 1 and 2 s, so that they end in another order than they began) and of a
// Parallel state whose branches take 3 and 2 s, as `stepwise run --time-skipping --history`
// recorded it (testdata/interleaved.json), one commit per event: every state span must be
// closed by its own iteration's or branch's exit, under its iteration or Parallel state.
func TestInterleavedThreads(t *testing.T) {
	spans := replay(t, "testdata/interleaved.json", "arn:aws:states:us-east-1:123456789012:execution:map:interleaved")
	if len(spans) != 17 {
		t.Errorf("got %d spans, want 17 (the execution, M, 3 iterations, 3 W, 3 P, Par, A1, A2, B1, B2, B3)", len(spans))
	}
	byID := map[string]*tracepb.Span{}
	byName := map[string][]*tracepb.Span{}
	for _, sp := range spans {
		byID[hex.EncodeToString(sp.SpanId)] = sp
		byName[sp.Name] = append(byName[sp.Name], sp)
	}
	parent := func(sp *tracepb.Span) *tracepb.Span { return byID[hex.EncodeToString(sp.ParentSpanId)] }
	dur := func(sp *tracepb.Span) time.Duration { return time.Duration(sp.EndTimeUnixNano - sp.StartTimeUnixNano) }
	one := func(name string) *tracepb.Span {
		t.Helper()
		if len(byName[name]) != 1 {
			t.Fatalf("%d spans named %q", len(byName[name]), name)
		}
		return byName[name][0]
	}
	exec, m, par := one("interleaved"), one("M"), one("Par")
	if parent(m) != exec || parent(par) != exec {
		t.Errorf("M and Par are not children of the execution's span")
	}
	seconds := []time.Duration{3 * time.Second, 1 * time.Second, 2 * time.Second} // the items
	its := byName["M iteration"]
	if len(its) != 3 {
		t.Fatalf("%d iteration spans", len(its))
	}
	seen := map[int64]bool{}
	for _, it := range its {
		var index int64 = -1
		for _, kv := range it.Attributes {
			if kv.Key == "aws.step_functions.map.iteration.index" {
				index = kv.Value.GetIntValue()
			}
		}
		if index < 0 || index > 2 || seen[index] {
			t.Fatalf("iteration span with index %d", index)
		}
		seen[index] = true
		if parent(it) != m {
			t.Errorf("iteration %d is not a child of M", index)
		}
		if dur(it) != seconds[index] {
			t.Errorf("iteration %d lasts %v, want %v", index, dur(it), seconds[index])
		}
		var children []string
		for _, sp := range spans {
			if parent(sp) == it {
				children = append(children, sp.Name)
				if sp.Name == "W" && dur(sp) != seconds[index] {
					t.Errorf("iteration %d's W lasts %v, want %v: closed by another iteration's exit", index, dur(sp), seconds[index])
				}
			}
		}
		if len(children) != 2 {
			t.Errorf("iteration %d has children %v, want W and P", index, children)
		}
	}
	for name, want := range map[string]time.Duration{"A1": 3 * time.Second, "A2": 0, "B1": time.Second, "B2": time.Second, "B3": 0} {
		sp := one(name)
		if parent(sp) != par {
			t.Errorf("%s is not a child of Par", name)
		}
		if dur(sp) != want {
			t.Errorf("%s lasts %v, want %v", name, dur(sp), want)
		}
	}
	if dur(par) != 3*time.Second || dur(m) != 3*time.Second {
		t.Errorf("M lasts %v and Par %v, want 3 s each", dur(m), dur(par))
	}
}

// TestAbortedIterations feeds the history of a Map state whose third iteration fails (a Fail
// state) while the first two wait (testdata/aborted.json): those two are aborted, their
// MapIterationAborted events following the failed iteration's, not their own. Each iteration
// span ends with its own status, and the states left without an exit (the Waits aborted, the
// Fail state) end with their iteration, under it.
func TestAbortedIterations(t *testing.T) {
	spans := replay(t, "testdata/aborted.json", "arn:aws:states:us-east-1:123456789012:execution:map:aborted")
	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byID[hex.EncodeToString(sp.SpanId)] = sp
	}
	want := map[int64]string{0: "Aborted", 1: "Aborted", 2: "Failed"}
	got := map[string]int{}
	for _, sp := range spans {
		got[sp.Name]++
		if sp.Name != "W" && sp.Name != "F" {
			continue
		}
		it := byID[hex.EncodeToString(sp.ParentSpanId)]
		if it == nil || it.Name != "M iteration" {
			t.Fatalf("%s is not under an iteration", sp.Name)
		}
		if it.EndTimeUnixNano != sp.EndTimeUnixNano {
			t.Errorf("%s does not end with its iteration", sp.Name)
		}
		index := it.Attributes[1].Value.GetIntValue()
		if sp.Name == "F" && index != 2 || sp.Name == "W" && index == 2 {
			t.Errorf("%s is under iteration %d", sp.Name, index)
		}
		if sp.Status.GetMessage() != want[index] || it.Status.GetMessage() != want[index] {
			t.Errorf("%s under iteration %d: status %q, the iteration's %q, want %q", sp.Name, index, sp.Status.GetMessage(), it.Status.GetMessage(), want[index])
		}
	}
	if got["M iteration"] != 3 || got["W"] != 2 || got["F"] != 1 || got["C"] != 3 || got["Caught"] != 1 || len(spans) != 12 {
		t.Errorf("spans: %v", got)
	}
}

// replay feeds a recorded history to an Exporter, one commit per event, and returns the
// spans the collector received.
func replay(t *testing.T, file, arn string) []*tracepb.Span {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var events []history.Event
	if err := json.Unmarshal(raw, &events); err != nil {
		t.Fatal(err)
	}
	url, received := collect(t)
	ctx := context.Background()
	x, err := New(ctx, Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	row := &store.Execution{Arn: arn, Name: arn[strings.LastIndexByte(arn, ':')+1:], StartedAt: events[0].Timestamp.Time}
	for i := range events {
		x.Observe(ctx, row, events[i:i+1])
	}
	if err := x.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	return received()
}

// TestTakeoverKeepsThreads: a node that takes an execution over mid-Map (or restarts), its
// iterations and branches open, follows the history before its first commit and exports
// what it closes under the spans the first node opened: for every point of the history at
// which a second exporter takes over, the two export together exactly the spans one
// exporter does alone.
func TestTakeoverKeepsThreads(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:execution:map:interleaved"
	raw, err := os.ReadFile("testdata/interleaved.json")
	if err != nil {
		t.Fatal(err)
	}
	var events []history.Event
	if err := json.Unmarshal(raw, &events); err != nil {
		t.Fatal(err)
	}
	key := func(sp *tracepb.Span) string {
		return fmt.Sprintf("%s %x<-%x %d-%d %v", sp.Name, sp.SpanId, sp.ParentSpanId, sp.StartTimeUnixNano, sp.EndTimeUnixNano, sp.Status.GetCode())
	}
	keys := func(spans []*tracepb.Span) []string {
		var ks []string
		for _, sp := range spans {
			ks = append(ks, key(sp))
		}
		slices.Sort(ks)
		return ks
	}
	want := keys(replay(t, "testdata/interleaved.json", arn))
	ctx := context.Background()
	row := &store.Execution{Arn: arn, Name: "interleaved", StartedAt: events[0].Timestamp.Time}
	for k := 1; k < len(events); k++ {
		url, received := collect(t)
		for node, part := range [][]history.Event{events[:k], events[k:]} {
			x, err := New(ctx, Options{Endpoint: url})
			if err != nil {
				t.Fatal(err)
			}
			x.SetHistory(func(_ context.Context, a string, before int64) ([]history.Event, error) {
				if node == 0 || a != arn {
					t.Fatalf("node %d reads the history of %s", node, a)
				}
				return events[:before-1], nil
			})
			for i := range part {
				x.Observe(ctx, row, part[i:i+1])
			}
			if err := x.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if got := keys(received()); !slices.Equal(got, want) {
			t.Errorf("taken over after event %d (%s): spans\n%s\nwant\n%s", events[k-1].ID, events[k-1].Type, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}

// TestAbortsFollowTheCause feeds the history of a Map state M whose iteration 1 fails (a Fail
// state) while iterations 0 and 2 run a Parallel state P: a Wait W in one branch, an inner Map
// N of two Waits V in the other (testdata/aborted-nested.json, recorded by `stepwise run
// --time-skipping --history`, the events after the Fail state a millisecond apart). Every
// abort follows the FailStateEntered, as AWS threads them, and names no state: each must close
// the state the engine aborted, in its order (iteration 0 before 2, a branch's nested states
// before their own, the inner Map before the Parallel state).
func TestAbortsFollowTheCause(t *testing.T) {
	raw, err := os.ReadFile("testdata/aborted-nested.json")
	if err != nil {
		t.Fatal(err)
	}
	var events []history.Event
	if err := json.Unmarshal(raw, &events); err != nil {
		t.Fatal(err)
	}
	at := map[int64]time.Time{}
	for _, ev := range events {
		at[ev.ID] = ev.Timestamp.Time
	}
	spans := replay(t, "testdata/aborted-nested.json", "arn:aws:states:us-east-1:123456789012:execution:nested:nested")
	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byID[hex.EncodeToString(sp.SpanId)] = sp
	}
	// path names a span by its ancestors below the execution: "M#0/P/N#1/V".
	path := func(sp *tracepb.Span) string {
		var parts []string
		for ; sp != nil; sp = byID[hex.EncodeToString(sp.ParentSpanId)] {
			name := sp.Name
			if it, ok := strings.CutSuffix(name, " iteration"); ok {
				name = fmt.Sprintf("%s#%d", it, sp.Attributes[1].Value.GetIntValue())
				sp = byID[hex.EncodeToString(sp.ParentSpanId)] // the Map state, named by its iteration
			}
			parts = append([]string{name}, parts...)
		}
		return strings.Join(parts[1:], "/")
	}
	want := map[string]int64{ // the abort that ends each state
		"M#0/P/W": 35, "M#0/P/N#0/V": 36, "M#0/P/N#1/V": 37, "M#0/P/N": 38, "M#0/P": 39,
		"M#2/P/W": 41, "M#2/P/N#0/V": 42, "M#2/P/N#1/V": 43, "M#2/P/N": 44, "M#2/P": 45,
	}
	seen := 0
	for _, sp := range spans {
		p := path(sp)
		id, ok := want[p]
		if !ok {
			continue
		}
		seen++
		if end := time.Unix(0, int64(sp.EndTimeUnixNano)); !end.Equal(at[id]) || sp.Status.GetMessage() != "Aborted" {
			t.Errorf("%s ends at %v with %q, want at event %d's %v, Aborted", p, end, sp.Status.GetMessage(), id, at[id])
		}
	}
	if seen != len(want) {
		t.Errorf("found %d of the %d aborted states", seen, len(want))
	}
}

// TestStoppedExecutionEndsWhatRan: an execution stopped while a Parallel branch runs a task
// and another branch a Map iteration running one records nothing but ExecutionAborted (as
// AWS does): the spans still open (the states, the iteration, the tasks) end with the
// execution, Aborted, under their own parents; the tasks' spans are there for what they
// called (a child execution) to be under.
func TestStoppedExecutionEndsWhatRan(t *testing.T) {
	const arn = "arn:aws:states:us-east-1:123456789012:execution:m:stopped"
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	ev := func(id, prev int64, typ string, d any) history.Event {
		return history.Event{ID: id, PreviousEventID: prev, Type: typ, Timestamp: history.Time{Time: t0.Add(time.Duration(id) * time.Second)}, Details: d}
	}
	task := &history.TaskScheduled{ResourceType: "states", Resource: "startExecution.sync:2"}
	events := []history.Event{
		ev(1, 0, "ExecutionStarted", nil),
		ev(2, 1, "ParallelStateEntered", &history.StateEntered{Name: "Par"}),
		ev(3, 2, "ParallelStateStarted", nil),
		ev(4, 3, "TaskStateEntered", &history.StateEntered{Name: "T"}),
		ev(5, 3, "MapStateEntered", &history.StateEntered{Name: "M"}),
		ev(6, 4, "TaskScheduled", task),
		ev(7, 5, "MapStateStarted", nil),
		ev(8, 7, "MapIterationStarted", &history.MapIteration{Name: "M", Index: 0}),
		ev(9, 8, "TaskStateEntered", &history.StateEntered{Name: "U"}),
		ev(10, 9, "TaskScheduled", task),
		ev(11, 0, "ExecutionAborted", &history.Failure{}),
	}
	url, received := collect(t)
	ctx := context.Background()
	x, err := New(ctx, Options{Endpoint: url})
	if err != nil {
		t.Fatal(err)
	}
	row := &store.Execution{Arn: arn, Name: "stopped", StartedAt: t0}
	for i := range events {
		x.Observe(ctx, row, events[i:i+1])
	}
	if err := x.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := received()
	byID := map[string]*tracepb.Span{}
	for _, sp := range spans {
		byID[hex.EncodeToString(sp.SpanId)] = sp
	}
	exec := executionSpan(arn)
	// Each span by its id (derived from the event that opened it), with its parent's name.
	want := map[trace.SpanID][2]string{
		exec:                     {"stopped", ""},
		childSpan(exec, 's', 2):  {"Par", "stopped"},
		childSpan(exec, 's', 4):  {"T", "Par"},
		childSpan(exec, 't', 6):  {"states:startExecution.sync:2", "T"},
		childSpan(exec, 's', 5):  {"M", "Par"},
		childSpan(exec, 'i', 8):  {"M iteration", "M"},
		childSpan(exec, 's', 9):  {"U", "M iteration"},
		childSpan(exec, 't', 10): {"states:startExecution.sync:2", "U"},
	}
	if len(spans) != len(want) {
		t.Errorf("got %d spans, want %d", len(spans), len(want))
	}
	for id, w := range want {
		sp := byID[id.String()]
		if sp == nil {
			t.Errorf("no span %s (%s)", w[0], id)
			continue
		}
		up := ""
		if p := byID[hex.EncodeToString(sp.ParentSpanId)]; p != nil {
			up = p.Name
		}
		if sp.Name != w[0] || up != w[1] {
			t.Errorf("span %s is %q under %q, want %q under %q", id, sp.Name, up, w[0], w[1])
		}
		if end := time.Unix(0, int64(sp.EndTimeUnixNano)).UTC(); !end.Equal(t0.Add(11*time.Second)) || sp.Status.GetMessage() != "Aborted" {
			t.Errorf("%s ends at %v with %q, want with the execution, Aborted", sp.Name, end, sp.Status.GetMessage())
		}
	}
}
