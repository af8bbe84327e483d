// Package tracing exports executions, states, Map iterations and tasks as OpenTelemetry
// spans over OTLP, for the state machines whose tracingConfiguration is enabled.
//
// Spans are built from history events once they are committed: the engine stays pure, and
// an execution outlives the process that started it. Observe pairs a commit's events into
// spans, following each event's previousEventId to its Map iteration or Parallel branch
// (spans.go), and hands the finished spans to the SDK's batch processor and OTLP exporter,
// which send them from their own goroutine. Their ids are derived from the execution ARN and
// event ids (not drawn at random), so a node that takes over an execution after a restart
// continues the same trace; a child execution shares the trace of the execution that
// started it, its root, under the span of the task that started it (whose trace context the
// child keeps: store.Execution.TraceParent), or of the Map state that started its run. An
// execution started with an X-Ray trace header (StartExecution's X-Amzn-Trace-Id or
// traceHeader) is in its caller's trace instead, under the caller's segment. A sampler (the
// SDK's, from OTEL_TRACES_SAMPLER: sample.go) decides once for each execution whether its
// spans are exported, by default as its caller decided. Start and end times are the events'
// timestamps. A state or task span that was open when its node stopped is exported by the
// node that continues the execution, which reads the history it did not see before its
// first commit (Observe).
package tracing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// Options configure an Exporter.
type Options struct {
	// Endpoint is the OTLP/HTTP endpoint, e.g. http://localhost:4318 (the SDK adds
	// /v1/traces); empty uses OTEL_EXPORTER_OTLP_ENDPOINT and the SDK's defaults.
	Endpoint string
	// Batch overrides the batching delay (0: the SDK's default, 5 s).
	Batch time.Duration
	// Sampler decides which executions are exported (sample.go); nil is DefaultSampler.
	Sampler sdktrace.Sampler
}

// Exporter turns committed history into spans. Its methods are safe for concurrent use.
//
// Observe pairs a commit's events into spans (spans.go) and hands the finished ones to the
// SDK's batch processor, which encodes and sends them from its own goroutine and drops what
// it cannot queue: the commit path never waits for the collector.
type Exporter struct {
	spans   sdktrace.SpanProcessor // the SDK's batch processor, in front of its OTLP exporter
	sampler sdktrace.Sampler
	res     *resource.Resource
	parent  func(ctx context.Context, arn string) (parent, traceHeader string, err error)
	// history reads an execution's events before an id (SetHistory).
	history func(ctx context.Context, arn string, before int64) ([]history.Event, error)

	mu    sync.Mutex
	open  map[string]*execution // executions being traced, by ARN
	roots map[string]root       // the roots of executions' chains, by ARN (children, parents, callers' headers)
	// mapRuns are the span ids of the Map states that started Distributed Map runs, by map run
	// ARN: the parents of the runs' child executions' spans (a run may end, and its parent
	// with it, in the commit that starts them).
	mapRuns map[string]trace.SpanID
	b       builder
}

// execution is an execution being traced.
type execution struct {
	arn    string
	trace  trace.TraceID
	span   trace.SpanID      // the execution's span
	parent trace.SpanContext // the parent execution's span or the caller's segment, if any
	// sampled is false for an execution the sampler dropped (its caller's decision, Sampled=0
	// in its trace header or its root's, with the default sampler): it is followed, and its
	// trace context passed on as not sampled, but none of its spans is exported.
	sampled bool
	threads
}

// maxOpen bounds the executions an Exporter follows at once.
const maxOpen = 100000

// New returns an Exporter sending spans to an OTLP/HTTP collector.
func New(ctx context.Context, o Options) (*Exporter, error) {
	var opts []otlptracehttp.Option
	if o.Endpoint != "" {
		opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimSuffix(o.Endpoint, "/")+"/v1/traces"))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("OTLP exporter: %w", err)
	}
	var bopts []sdktrace.BatchSpanProcessorOption // the SDK's defaults, or its OTEL_BSP_* variables
	if o.Batch > 0 {
		bopts = append(bopts, sdktrace.WithBatchTimeout(o.Batch))
	}
	if o.Sampler == nil {
		o.Sampler = DefaultSampler()
	}
	x := &Exporter{spans: sdktrace.NewBatchSpanProcessor(exp, bopts...), sampler: o.Sampler,
		res:  resource.NewSchemaless(attribute.String("service.name", "stepwise")),
		open: map[string]*execution{}, roots: map[string]root{}, mapRuns: map[string]trace.SpanID{}}
	x.b = newBuilder(x)
	return x, nil
}

// SetParent sets how the exporter finds the execution that started one ("" for none) and
// the trace header that one was started with ("" for none), to put a child in its parent's
// trace; call it before the first Observe.
func (x *Exporter) SetParent(parent func(ctx context.Context, arn string) (parent, traceHeader string, err error)) {
	x.parent = parent
}

// SetHistory sets how the exporter reads an execution's events before an id: when it first
// sees an execution past its start (a node that took it over, or itself after a restart), it
// follows those events without exporting them, so that the states, iterations and branches
// they opened are closed under their own spans rather than left out or put under the
// execution's. Call it before the first Observe.
func (x *Exporter) SetHistory(history func(ctx context.Context, arn string, before int64) ([]history.Event, error)) {
	x.history = history
}

// Shutdown flushes the spans not yet sent.
func (x *Exporter) Shutdown(ctx context.Context) error { return x.spans.Shutdown(ctx) }

// ForceFlush sends the spans batched so far.
func (x *Exporter) ForceFlush(ctx context.Context) error { return x.spans.ForceFlush(ctx) }

func traceID(rootArn string) trace.TraceID {
	h := sha256.Sum256([]byte("trace\x00" + rootArn))
	var t trace.TraceID
	copy(t[:], h[:16])
	return t
}

// executionSpan is the span id of an execution's span, the parent of its states' spans and
// of what its tasks call. Other nodes, and the spans of child executions, refer to it: it
// depends on the ARN alone.
func executionSpan(arn string) trace.SpanID {
	h := sha256.Sum256([]byte("execution\x00" + arn))
	var s trace.SpanID
	copy(s[:], h[:8])
	if !s.IsValid() {
		s[7] = 1
	}
	return s
}

// origin is where an execution's trace comes from and its span's parent: the caller's trace
// header, if it was started with one (the caller's trace, under the caller's segment); else
// the trace context of the task that started it, if a traced task did (row.TraceParent: the
// task's trace, under the task's span); else, for a child execution, its parent's span (a
// Distributed Map's child: the span of the Map state that started its run), in the trace of
// the execution at the root of its ParentArn chain; else a trace of its own. The sampler
// decides whether it is exported, its caller's decision (or its parent's) its parent context.
func (x *Exporter) origin(ctx context.Context, row *store.Execution) (r root, parent trace.SpanID) {
	if c, ok := parseXRay(row.TraceHeader); ok {
		r = root{trace: c.trace, sampled: x.decide(c.trace, c.parent, c.decided, row.Name)}
		x.remember(row.Arn, r) // for its children, without a store read
		return r, c.parent
	}
	if sc := parseTraceParent(row.TraceParent); sc.IsValid() {
		// Started by a traced task: in its trace, under its span, with no store read.
		r = root{trace: sc.TraceID(), sampled: x.decide(sc.TraceID(), sc.SpanID(), decision(sc.IsSampled()), row.Name)}
		x.remember(row.Arn, r)
		return r, sc.SpanID()
	}
	if row.ParentArn == "" {
		t := traceID(row.Arn)
		return root{trace: t, sampled: x.decide(t, trace.SpanID{}, undecided, row.Name)}, trace.SpanID{}
	}
	parent = executionSpan(row.ParentArn)
	if id, ok := x.mapRuns[row.MapRunArn]; ok && row.MapRunArn != "" {
		parent = id // a Distributed Map's child, under its Map state
	}
	r = x.rootOf(ctx, row.Arn, row.ParentArn)
	r.sampled = x.decide(r.trace, parent, decision(r.sampled), row.Name)
	x.remember(row.Arn, r) // its own decision, which its children's sampler sees as their parent's
	return r, parent
}

// decision is a parent's sampling decision, as its children's sampler sees it.
func decision(sampled bool) decided {
	if sampled {
		return sampledByCaller
	}
	return droppedByCaller
}

// mapRunStarted notes the span of the Map state that started a Distributed Map run; it is
// called under x.mu.
func (x *Exporter) mapRunStarted(runArn string, state trace.SpanID) {
	if len(x.mapRuns) > 100000 {
		x.mapRuns = map[string]trace.SpanID{}
	}
	x.mapRuns[runArn] = state
}

// root is the trace of the execution at the root of a ParentArn chain.
type root struct {
	trace   trace.TraceID
	sampled bool // the sampler's decision for the root (false: its spans are not exported)
}

// rootOf follows the ParentArn chain up from a child execution to the first execution
// started with a trace header, or to the one no other started, whose trace the child shares.
func (x *Exporter) rootOf(ctx context.Context, arn, parent string) root {
	if r, ok := x.roots[arn]; ok {
		return r
	}
	var r root
	first := parent
	for seen := 0; ; seen++ {
		if cached, ok := x.roots[parent]; ok {
			r = cached
			break
		}
		if e := x.open[parent]; e != nil {
			// Followed here (a running parent, a Distributed Map's): no store read.
			r = root{trace: e.trace, sampled: e.sampled}
			break
		}
		if x.parent == nil || seen == 64 {
			r.trace = traceID(parent)
			r.sampled = x.decide(r.trace, trace.SpanID{}, undecided, "")
			break
		}
		up, header, err := x.parent(ctx, parent)
		if c, ok := parseXRay(header); ok && err == nil {
			r = root{trace: c.trace, sampled: x.decide(c.trace, c.parent, c.decided, "")}
			break
		}
		if err != nil || up == "" {
			r.trace = traceID(parent)
			r.sampled = x.decide(r.trace, trace.SpanID{}, undecided, "")
			break
		}
		parent = up
	}
	x.remember(arn, r)
	x.remember(first, r) // its other children's (a Distributed Map's run ends in one commit)
	return r
}

func (x *Exporter) remember(arn string, r root) {
	if len(x.roots) > 100000 {
		x.roots = map[string]root{}
	}
	x.roots[arn] = r
}

// TaskContext returns ctx carrying the span context of a task of an execution being traced
// (arn, the execution that scheduled it), for what the task calls to propagate: the task's
// span, derived from its TaskScheduled event's id as the builder derives it, in the history
// of the execution the task runs in (a Distributed Map's child's, for a task of its); the
// execution's span for a task no task span stands for (a Lambda function or an activity
// scheduled by its ARN, a task stored before its event's id was). ctx unchanged when the
// execution is not being traced.
func (x *Exporter) TaskContext(ctx context.Context, arn string, t *engine.Task) context.Context {
	x.mu.Lock()
	e := x.open[arn]
	x.mu.Unlock()
	if e == nil {
		return ctx
	}
	span := e.span
	if t.ScheduledEventID > 0 {
		exec := e.span
		if t.ChildExecution != "" {
			exec = executionSpan(t.ChildExecution)
		}
		span = childSpan(exec, 't', t.ScheduledEventID)
	}
	return e.context(ctx, span)
}

// context is ctx carrying span, one of e's, as the span context to pass on.
func (e *execution) context(ctx context.Context, span trace.SpanID) context.Context {
	var flags trace.TraceFlags
	if e.sampled {
		flags = trace.FlagsSampled
	}
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: e.trace, SpanID: span, TraceFlags: flags, Remote: true}))
}

// Begin starts following an execution that no store holds (an Express execution the API
// runs, which keeps no history) and returns ctx carrying its trace context, for what its
// tasks call; Observe then hears its events as they come, and Forget lets it go should it
// end without an end event. One started in process by a traced task (aws-sdk:sfn:
// startSyncExecution: ctx carries the task's trace context) without a trace header of its
// own is in the task's trace, under its span, as a child a startExecution task starts is
// (row.TraceParent).
func (x *Exporter) Begin(ctx context.Context, row *store.Execution) context.Context {
	x.mu.Lock()
	defer x.mu.Unlock()
	e := x.open[row.Arn]
	if e == nil {
		if row.TraceHeader == "" && row.TraceParent == "" {
			if h := TraceParent(ctx); h != "" {
				started := *row
				started.TraceParent = h
				row = &started
			}
		}
		e = x.follow(ctx, row)
	}
	return e.context(ctx, e.span)
}

// Forget stops following an execution that ended without an end event.
func (x *Exporter) Forget(arn string) {
	x.mu.Lock()
	delete(x.open, arn)
	x.mu.Unlock()
}

// follow starts following an execution; it is called under x.mu.
func (x *Exporter) follow(ctx context.Context, row *store.Execution) *execution {
	r, parent := x.origin(ctx, row)
	e := &execution{arn: row.Arn, trace: r.trace, span: executionSpan(row.Arn), sampled: r.sampled}
	if parent.IsValid() {
		e.parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: r.trace, SpanID: parent,
			TraceFlags: trace.FlagsSampled, Remote: true})
	}
	if len(x.open) >= maxOpen {
		// Executions that ended on another node (a takeover) never close here: start
		// over rather than grow; one still running here is followed again from its
		// history at its next commit.
		x.open = map[string]*execution{}
	}
	x.open[row.Arn] = e
	return e
}

// Observe exports the spans that the committed events of an execution close.
func (x *Exporter) Observe(ctx context.Context, row *store.Execution, events []history.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e := x.open[row.Arn]
	if e == nil {
		var before []history.Event // what happened before this node saw the execution
		if len(events) > 0 && events[0].ID > 1 && x.history != nil {
			// Read without the lock, so that other executions' commits go on meanwhile. An
			// execution's commits are observed one at a time: none of its own comes between.
			x.mu.Unlock()
			before, _ = x.history(ctx, row.Arn, events[0].ID) // unread, its spans go as they did
			x.mu.Lock()
		}
		e = x.follow(ctx, row)
		if len(before) > 0 {
			x.b.quiet = true // their spans were exported where they ended
			x.b.observe(e, row, before)
		}
	}
	x.b.quiet = !e.sampled
	ended := x.b.observe(e, row, events)
	x.b.quiet = false
	if ended {
		delete(x.open, row.Arn)
	}
}

// Inject writes ctx's trace context into h as W3C traceparent (HTTP Tasks, Lambda).
func Inject(ctx context.Context, h interface{ Set(string, string) }) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	propagation.TraceContext{}.Inject(ctx, headerCarrier{h})
}

// TraceParent is ctx's trace context as a W3C traceparent, "" when ctx carries none: a
// startExecution task keeps its own with the child execution it starts
// (store.Execution.TraceParent), whose span then goes under the task's.
func TraceParent(ctx context.Context) string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return "" // an untraced task's, an HTTP request's: no carrier to make
	}
	c := propagation.MapCarrier{}
	Inject(ctx, c)
	return c["traceparent"]
}

// parseTraceParent reads a W3C traceparent (TraceParent's); invalid when h is not one.
func parseTraceParent(h string) trace.SpanContext {
	if h == "" {
		return trace.SpanContext{}
	}
	return trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), propagation.MapCarrier{"traceparent": h}))
}

type headerCarrier struct {
	h interface{ Set(string, string) }
}

func (c headerCarrier) Get(string) string { return "" }
func (c headerCarrier) Set(k, v string)   { c.h.Set(k, v) }
func (c headerCarrier) Keys() []string    { return nil }

// XRayHeader is ctx's trace context as the X-Ray trace header Lambda passes
// (Lambda-Runtime-Trace-Id, _X_AMZN_TRACE_ID); "" when ctx carries none.
func XRayHeader(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	t := sc.TraceID().String()
	sampled := 0
	if sc.IsSampled() {
		sampled = 1
	}
	return fmt.Sprintf("Root=1-%s-%s;Parent=%s;Sampled=%d", t[:8], t[8:], sc.SpanID().String(), sampled)
}
