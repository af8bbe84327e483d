package tracing

import (
	"encoding/binary"
	"slices"
	"strings"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// A history is not one sequence: the iterations of a Map state and the branches of a
// Parallel state run at once, and their events interleave. Each event names the one it
// follows in its own line of execution (previousEventId), so the builder follows those links
// to put every event in its thread: the execution's top level, a Map iteration or a Parallel
// branch. A thread runs one state at a time; a state that exits closes the open state of
// that name in its thread or the threads around it (state names are unique in a state
// machine), and a task that ends closes its thread's task.
//
//	MapStateEntered M            top: M
//	MapStateStarted              top
//	MapIterationStarted M 0      iteration 0 (in top)
//	WaitStateEntered W           iteration 0: W
//	MapIterationStarted M 1      iteration 1 (in top)
//	WaitStateEntered W           iteration 1: W
//	WaitStateExited W  (follows iteration 1's WaitStateEntered) closes iteration 1's W
//
// The first event of each Parallel branch follows ParallelStateStarted: that is where a
// branch begins.
//
// When an iteration or a branch fails, the events that abort the others (TaskStateAborted,
// WaitStateAborted, ...) all follow the event that caused the failure, as AWS records them,
// and name no state: an abort closes the first open state of its type found from the cause's
// thread outwards, each thread's iterations and branches in the order they began and
// before the thread's own state (the order the engine aborts them in). A history where an
// abort follows its own state's last event (recorded before) finds that state first.

// thread is a line of execution: the top level, a Map iteration or a Parallel branch.
type thread struct {
	up     *thread
	parent *span // the span its states are children of: nil for the execution's span
	state  *span // the state entered and not yet exited
	task   *span // the task scheduled and not yet ended
	fork   bool  // the ParallelStateStarted of a state in up: what follows it is a new branch

	iterations []*thread // the Map iterations begun in it and not ended
	branches   []*thread // the branches of its latest Parallel state, in the order they began

	iteration *span // a Map iteration's own span (also its parent)
	mapState  *span // the iteration's Map state, the iteration span's parent
	index     int   // the iteration's index
}

// iterationAt is the iteration of that index begun in th or the threads around it, nil when
// none is open.
func (th *thread) iterationAt(index int) *thread {
	for ; th != nil; th = th.up {
		for _, it := range th.iterations {
			if it.index == index {
				return it
			}
		}
	}
	return nil
}

func (th *thread) endIteration(it *thread) {
	// Kept in the order they began: aborts find the iterations in that order.
	if i := slices.Index(th.iterations, it); i >= 0 {
		th.iterations = slices.Delete(th.iterations, i, i+1)
	}
}

// aborted is the thread whose open state of type typ an abort following an event of th stops:
// the first found in th's iterations and branches (each searched the same way), then th's
// own state.
func (th *thread) aborted(typ string) *thread {
	for _, subs := range [2][]*thread{th.iterations, th.branches} {
		for _, s := range subs {
			if o := s.aborted(typ); o != nil {
				return o
			}
		}
	}
	if th.state != nil && th.state.typ == typ {
		return th
	}
	return nil
}

// span is a span opened by an event and not yet ended.
type span struct {
	name  string
	typ   string // a state's type ("Task", "Map", ...)
	at    time.Time
	id    trace.SpanID
	attrs []attribute.KeyValue
}

// threads maps an execution's events, by id, to their threads.
type threads struct {
	top   thread
	first int64 // the id of byID[0]
	byID  []*thread
}

func (t *threads) of(id int64) *thread {
	if i := id - t.first; t.byID != nil && i >= 0 && i < int64(len(t.byID)) && t.byID[i] != nil {
		return t.byID[i]
	}
	return &t.top // an event this node has not seen (it took the execution over): the top level
}

func (t *threads) set(id int64, th *thread) {
	if len(t.byID) == 0 {
		t.first = id
	}
	i := id - t.first
	if i < 0 || i > int64(len(t.byID))+1<<16 {
		return // not the next events: leave them to the top level
	}
	for int64(len(t.byID)) <= i {
		t.byID = append(t.byID, nil)
	}
	t.byID[i] = th
}

// builder turns an execution's events into spans; it is used under the Exporter's lock.
type builder struct {
	x      *Exporter
	quiet  bool                            // follow events without exporting (Exporter.SetHistory)
	states map[string][]attribute.KeyValue // the state type's attributes, by type
	tasks  map[string][]attribute.KeyValue // the task's attributes, by resource
}

func newBuilder(x *Exporter) builder {
	return builder{x: x, states: map[string][]attribute.KeyValue{}, tasks: map[string][]attribute.KeyValue{}}
}

// observe builds the spans a commit's events close; it reports whether the execution ended.
func (b *builder) observe(e *execution, row *store.Execution, events []history.Event) (ended bool) {
	if e.byID == nil {
		e.byID = make([]*thread, 0, len(events))
	}
	for i := range events {
		ev := &events[i]
		at := ev.Timestamp.Time
		th := e.of(ev.PreviousEventID)
		switch d := ev.Details.(type) {
		case *history.StateEntered:
			if th.fork {
				th = &thread{up: th.up, parent: th.up.state}
				th.up.branches = append(th.up.branches, th)
			}
			typ := strings.TrimSuffix(ev.Type, "StateEntered")
			th.state = &span{name: d.Name, typ: typ, at: at, id: childSpan(e.span, 's', ev.ID), attrs: b.stateAttrs(typ)}
		case *history.StateExited:
			owner := th
			for owner != nil && (owner.state == nil || owner.state.name != d.Name) {
				owner = owner.up
			}
			if owner == nil {
				break // entered before this node took the execution over
			}
			s := owner.state
			owner.state, th = nil, owner
			b.emit(e, owner.parent, s, at, "")
		case *history.MapIteration:
			if ev.Type == "MapIterationStarted" {
				it := &span{name: d.Name + " iteration", at: at, id: childSpan(e.span, 'i', ev.ID), attrs: []attribute.KeyValue{
					attribute.String("aws.step_functions.state.type", "MapIteration"),
					attribute.Int("aws.step_functions.map.iteration.index", d.Index)}}
				up := th
				th = &thread{up: up, parent: it, iteration: it, mapState: up.state, index: d.Index}
				up.iterations = append(up.iterations, th)
				break
			}
			// Succeeded, Failed or Aborted: the iteration ends. An iteration that succeeds
			// or fails follows its own last event; one aborted (another failed) follows the
			// Map state's, so it is found among the Map state's iterations by its index.
			it := th
			for it.up != nil && it.iteration == nil {
				it = it.up
			}
			if it.iteration == nil || it.index != d.Index {
				if it = th.iterationAt(d.Index); it == nil {
					break
				}
			}
			it.up.endIteration(it)
			fail := ""
			if ev.Type != "MapIterationSucceeded" {
				fail = strings.TrimPrefix(ev.Type, "MapIteration")
			}
			b.closeState(e, it, at, fail) // a Fail state, which has no exit
			b.emit(e, it.mapState, it.iteration, at, fail)
			th = it.up // what follows the iteration's end is the Map state's
		case *history.MapRunStarted:
			// A Distributed Map's run: its child executions' spans go under the Map state's.
			if th.state != nil {
				b.x.mapRunStarted(d.MapRunArn, th.state.id)
			}
		case *history.TaskScheduled:
			name := d.ResourceType + ":" + d.Resource
			th.task = &span{name: name, at: at, id: childSpan(e.span, 't', ev.ID), attrs: b.taskAttrs(name)}
		case *history.TaskOutput, *history.TaskFailure:
			if ev.Type == "TaskSubmitted" || ev.Type == "TaskStarted" {
				break
			}
			fail := ""
			if f, ok := d.(*history.TaskFailure); ok {
				fail = ev.Type
				if f.Error != nil {
					fail = *f.Error
				}
			}
			b.closeTask(e, th, at, fail)
		}
		if typ, ok := strings.CutSuffix(ev.Type, "StateAborted"); ok {
			// Its iteration or branch was stopped.
			for t := th; t != nil; t = t.up {
				if o := t.aborted(typ); o != nil {
					th = o
					// A nested Map aborted records no MapIterationAborted: its
					// iterations end with it.
					b.closeAll(e, o, at, "Aborted")
					break
				}
			}
		}
		if ev.Type == "ParallelStateStarted" {
			th.branches = nil
			th = &thread{up: th, fork: true}
		}
		e.set(ev.ID, th)
		switch ev.Type {
		case "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted":
			fail := ""
			if ev.Type != "ExecutionSucceeded" {
				fail = strings.TrimPrefix(ev.Type, "Execution")
				if f, ok := ev.Details.(*history.Failure); ok && f.Error != nil && *f.Error != "" {
					fail = *f.Error // an Express execution's row has no error yet
				} else if row.Error != nil && *row.Error != "" {
					fail = *row.Error
				}
			}
			// A Fail state, which has no exit; and, when the execution was stopped or timed
			// out, whatever ran: the history records no end of theirs.
			b.closeAll(e, &e.top, at, fail)
			b.span(e.trace, e.span, e.parent.SpanID(), row.Name, row.StartedAt, at, fail, []attribute.KeyValue{
				attribute.String("aws.step_functions.execution.arn", e.arn),
				attribute.String("aws.step_functions.state_machine.arn", row.StateMachineArn)})
			ended = true
		}
	}
	return ended
}

// childSpan is the span id of a state (kind 's'), a Map iteration ('i') or a task ('t')
// opened by event id of the execution whose span is exec: a mix of the two, cheaper than a
// cryptographic hash and as stable (no node needs to find these ids but the one that made
// them).
func childSpan(exec trace.SpanID, kind byte, id int64) trace.SpanID {
	v := mix64(binary.BigEndian.Uint64(exec[:]) ^ mix64(uint64(id)<<8|uint64(kind)))
	var s trace.SpanID
	binary.BigEndian.PutUint64(s[:], v)
	if !s.IsValid() {
		s[7] = 1
	}
	return s
}

// mix64 is SplitMix64's finaliser.
func mix64(v uint64) uint64 {
	v += 0x9e3779b97f4a7c15
	v = (v ^ v>>30) * 0xbf58476d1ce4e5b9
	v = (v ^ v>>27) * 0x94d049bb133111eb
	return v ^ v>>31
}

// emit exports s, a child of parent (the execution's span when nil), ending at end.
func (b *builder) emit(e *execution, parent, s *span, end time.Time, fail string) {
	p := e.span
	if parent != nil {
		p = parent.id
	}
	b.span(e.trace, s.id, p, s.name, s.at, end, fail, s.attrs)
}

// span hands a finished span to the SDK's batch processor. The spans are not timed as code
// runs but rebuilt from history, with their ids, times and parents known when they end, so
// they are not started and ended through a Tracer (which would draw ids, read the clock and
// build a live span, then a copy of it) but made as the finished, read-only spans the
// processor takes, through the SDK's own SpanStub.
func (b *builder) span(t trace.TraceID, id, parent trace.SpanID, name string, start, end time.Time, fail string, attrs []attribute.KeyValue) {
	if b.quiet {
		return
	}
	stub := tracetest.SpanStub{Name: name, SpanKind: trace.SpanKindInternal, StartTime: start, EndTime: end, Attributes: attrs,
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: t, SpanID: id, TraceFlags: trace.FlagsSampled}),
		Resource:    b.x.res, InstrumentationScope: scope}
	if parent.IsValid() {
		stub.Parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: t, SpanID: parent, TraceFlags: trace.FlagsSampled, Remote: true})
	}
	if fail != "" {
		stub.Status = sdktrace.Status{Code: codes.Error, Description: fail}
	}
	b.x.spans.OnEnd(stub.Snapshot())
}

var scope = instrumentation.Scope{Name: "github.com/stepwise-run/stepwise"}

// closeTask ends the span of the task open in th, if any, at end, under its state (or, for
// a task without one, th's parent).
func (b *builder) closeTask(e *execution, th *thread, end time.Time, fail string) {
	s := th.task
	if s == nil {
		return
	}
	th.task = nil
	parent := th.state
	if parent == nil {
		parent = th.parent
	}
	b.emit(e, parent, s, end, fail)
}

// closeState ends the span of the state open in th, if any, and of its task, if one is
// open, at end: the state ended without an exit event (a Fail state, or a state whose
// iteration, branch or execution was stopped). The task's span is ended rather than left
// out: what the task called (a child execution) is under it.
func (b *builder) closeState(e *execution, th *thread, end time.Time, fail string) {
	b.closeTask(e, th, end, fail)
	if s := th.state; s != nil {
		th.state = nil
		b.emit(e, th.parent, s, end, fail)
	}
}

// closeAll ends, at end, the spans open in th and in the Map iterations and Parallel
// branches running in it, innermost first: they ended with their Map or Parallel state (a
// nested Map aborted) or with the execution (stopped, timed out), and the history records no
// end of theirs. The branches of a Parallel state that has ended are left alone.
func (b *builder) closeAll(e *execution, th *thread, end time.Time, fail string) {
	for _, it := range th.iterations {
		b.closeAll(e, it, end, fail)
		b.emit(e, it.mapState, it.iteration, end, fail)
	}
	th.iterations = nil
	if th.state != nil && th.state.typ == "Parallel" {
		for _, br := range th.branches {
			b.closeAll(e, br, end, fail)
		}
	}
	b.closeState(e, th, end, fail)
}

// maxAttrs bounds the attribute sets kept for reuse.
const maxAttrs = 1024

func (b *builder) stateAttrs(typ string) []attribute.KeyValue {
	return cached(b.states, typ, "aws.step_functions.state.type")
}

func (b *builder) taskAttrs(resource string) []attribute.KeyValue {
	return cached(b.tasks, resource, "aws.step_functions.task.resource")
}

// cached is the attribute set {key: v}, shared by the spans that have it (the exporter only
// reads it).
func cached(m map[string][]attribute.KeyValue, v, key string) []attribute.KeyValue {
	if o, ok := m[v]; ok {
		return o
	}
	o := []attribute.KeyValue{attribute.String(key, v)}
	if len(m) < maxAttrs {
		m[v] = o
	}
	return o
}
