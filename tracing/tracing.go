// Package tracing exports executions, states and tasks as OpenTelemetry spans over OTLP,
// for the state machines whose tracingConfiguration is enabled.
//
// Spans are built from history events once they are committed: the engine stays pure, and
// an execution outlives the process that started it. Their ids are derived from the
// execution ARN and event ids (not drawn at random), so a node that takes over an
// execution after a restart continues the same trace; a child execution shares the trace of
// the execution that started it, its root. Start and end times are the events' timestamps.
// A state or task span that was open when its node stopped is not exported: the node that
// continues has not seen it start.
package tracing

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

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
}

// Exporter turns committed history into spans. Its methods are safe for concurrent use.
type Exporter struct {
	provider *sdktrace.TracerProvider
	tracer   trace.Tracer
	parent   func(ctx context.Context, arn string) (string, error)

	mu    sync.Mutex
	open  map[string]*execution // executions being traced, by ARN
	roots map[string]trace.TraceID
}

type execution struct {
	trace  trace.TraceID
	parent trace.SpanContext // the parent execution's span, if any
	states map[string][]opened
	tasks  map[string][]opened
}

type opened struct {
	id     int64
	at     time.Time
	parent trace.SpanID
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
	var bopts []sdktrace.BatchSpanProcessorOption
	if o.Batch > 0 {
		bopts = append(bopts, sdktrace.WithBatchTimeout(o.Batch))
	}
	res := resource.NewSchemaless(attribute.String("service.name", "stepwise"))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp, bopts...), sdktrace.WithIDGenerator(givenIDs{}),
		sdktrace.WithSampler(sdktrace.AlwaysSample()), sdktrace.WithResource(res))
	return &Exporter{provider: tp, tracer: tp.Tracer("github.com/stepwise-run/stepwise"),
		open: map[string]*execution{}, roots: map[string]trace.TraceID{}}, nil
}

// SetParent sets how the exporter finds the execution that started one ("" for none), to put
// a child in its parent's trace; call it before the first Observe.
func (x *Exporter) SetParent(parent func(ctx context.Context, arn string) (string, error)) {
	x.parent = parent
}

// Shutdown flushes the spans not yet sent.
func (x *Exporter) Shutdown(ctx context.Context) error { return x.provider.Shutdown(ctx) }

// ForceFlush sends the spans batched so far.
func (x *Exporter) ForceFlush(ctx context.Context) error { return x.provider.ForceFlush(ctx) }

// givenIDs is the SDK's IDGenerator made to hand out the ids the span's context carries:
// ids derived from the history rather than drawn at random.
type givenIDs struct{}

type idKey struct{}

type ids struct {
	trace trace.TraceID
	span  trace.SpanID
}

func (givenIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	v, _ := ctx.Value(idKey{}).(ids)
	return v.trace, v.span
}

func (givenIDs) NewSpanID(ctx context.Context, _ trace.TraceID) trace.SpanID {
	v, _ := ctx.Value(idKey{}).(ids)
	return v.span
}

func traceID(rootArn string) trace.TraceID {
	h := sha256.Sum256([]byte("trace\x00" + rootArn))
	var t trace.TraceID
	copy(t[:], h[:16])
	return t
}

func spanID(parts ...string) trace.SpanID {
	h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	var s trace.SpanID
	copy(s[:], h[:8])
	if !s.IsValid() {
		s[7] = 1
	}
	return s
}

// executionSpan is the span id of an execution's span, the parent of its states' spans and
// of what its tasks call.
func executionSpan(arn string) trace.SpanID { return spanID("execution", arn) }

// rootTrace follows the ParentArn chain to the execution that started it all.
func (x *Exporter) rootTrace(ctx context.Context, arn, parent string) trace.TraceID {
	if parent == "" {
		return traceID(arn)
	}
	if t, ok := x.roots[arn]; ok {
		return t
	}
	root := arn
	for seen := 0; parent != "" && seen < 64; seen++ {
		if t, ok := x.roots[parent]; ok {
			x.roots[arn] = t
			return t
		}
		root = parent
		if x.parent == nil {
			break
		}
		p, err := x.parent(ctx, parent)
		if err != nil {
			break
		}
		parent = p
	}
	t := traceID(root)
	if len(x.roots) > 100000 {
		x.roots = map[string]trace.TraceID{}
	}
	x.roots[arn] = t
	return t
}

// Context returns ctx carrying the span context of an execution being traced (its
// execution span), for what its tasks call to propagate; ctx unchanged when it is not.
func (x *Exporter) Context(ctx context.Context, arn string) context.Context {
	x.mu.Lock()
	e := x.open[arn]
	x.mu.Unlock()
	if e == nil {
		return ctx
	}
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: e.trace, SpanID: executionSpan(arn), TraceFlags: trace.FlagsSampled, Remote: true}))
}

// Observe exports the spans that the committed events of an execution close.
func (x *Exporter) Observe(ctx context.Context, row *store.Execution, events []history.Event) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e := x.open[row.Arn]
	if e == nil {
		t := x.rootTrace(ctx, row.Arn, row.ParentArn)
		e = &execution{trace: t, states: map[string][]opened{}, tasks: map[string][]opened{}}
		if row.ParentArn != "" {
			e.parent = trace.NewSpanContext(trace.SpanContextConfig{TraceID: t, SpanID: executionSpan(row.ParentArn),
				TraceFlags: trace.FlagsSampled, Remote: true})
		}
		if len(x.open) >= maxOpen {
			// Executions that ended on another node (a takeover) never close here: start
			// over rather than grow; the open state spans dropped are not exported.
			x.open = map[string]*execution{}
		}
		x.open[row.Arn] = e
	}
	exec := executionSpan(row.Arn)
	for _, ev := range events {
		at := ev.Timestamp.Time
		switch d := ev.Details.(type) {
		case *history.StateEntered:
			e.states[d.Name] = append(e.states[d.Name], opened{id: ev.ID, at: at})
		case *history.StateExited:
			o, ok := pop(e.states, d.Name)
			if !ok {
				continue
			}
			x.emit(e.trace, trace.SpanContextConfig{TraceID: e.trace, SpanID: exec}, spanID("state", row.Arn, strconv.FormatInt(o.id, 10)),
				d.Name, o.at, at, "", attribute.String("aws.step_functions.state.type", strings.TrimSuffix(ev.Type, "StateExited")))
		case *history.TaskScheduled:
			key := d.ResourceType + ":" + d.Resource
			e.tasks[key] = append(e.tasks[key], opened{id: ev.ID, at: at, parent: x.lastState(row.Arn, e)})
		case *history.TaskOutput, *history.TaskFailure:
			if ev.Type == "TaskSubmitted" || ev.Type == "TaskStarted" {
				continue
			}
			var key, fail string
			if out, ok := d.(*history.TaskOutput); ok {
				key = out.ResourceType + ":" + out.Resource
			} else {
				f := d.(*history.TaskFailure)
				key, fail = f.ResourceType+":"+f.Resource, ev.Type
				if f.Error != nil {
					fail = *f.Error
				}
			}
			o, ok := pop(e.tasks, key)
			if !ok {
				continue
			}
			x.emit(e.trace, trace.SpanContextConfig{TraceID: e.trace, SpanID: o.parent}, spanID("task", row.Arn, strconv.FormatInt(o.id, 10)),
				key, o.at, at, fail, attribute.String("aws.step_functions.task.resource", key))
		}
		switch ev.Type {
		case "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted":
			fail := ""
			if ev.Type != "ExecutionSucceeded" {
				fail = strings.TrimPrefix(ev.Type, "Execution")
				if row.Error != nil && *row.Error != "" {
					fail = *row.Error
				}
			}
			parent := trace.SpanContextConfig{TraceID: e.trace}
			if e.parent.IsValid() {
				parent.SpanID = e.parent.SpanID()
			}
			x.emit(e.trace, parent, exec, row.Name, row.StartedAt, at, fail,
				attribute.String("aws.step_functions.execution.arn", row.Arn),
				attribute.String("aws.step_functions.state_machine.arn", row.StateMachineArn))
			delete(x.open, row.Arn)
		}
	}
}

// lastState is the span of the state entered last and still open, the parent of a task
// scheduled now (the execution's span when none).
func (x *Exporter) lastState(arn string, e *execution) trace.SpanID {
	var best opened
	for _, os := range e.states {
		if n := len(os); n > 0 && os[n-1].id > best.id {
			best = os[n-1]
		}
	}
	if best.id == 0 {
		return executionSpan(arn)
	}
	return spanID("state", arn, strconv.FormatInt(best.id, 10))
}

func pop(m map[string][]opened, key string) (opened, bool) {
	os := m[key]
	if len(os) == 0 {
		return opened{}, false
	}
	o := os[0]
	if len(os) == 1 {
		delete(m, key)
	} else {
		m[key] = os[1:]
	}
	return o, true
}

func (x *Exporter) emit(t trace.TraceID, parent trace.SpanContextConfig, id trace.SpanID, name string, start, end time.Time, fail string, attrs ...attribute.KeyValue) {
	ctx := context.WithValue(context.Background(), idKey{}, ids{trace: t, span: id})
	if parent.SpanID.IsValid() {
		parent.TraceFlags, parent.Remote = trace.FlagsSampled, true
		ctx = trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(parent))
	}
	_, sp := x.tracer.Start(ctx, name, trace.WithTimestamp(start), trace.WithAttributes(attrs...))
	if fail != "" {
		sp.SetStatus(codes.Error, fail)
	}
	sp.End(trace.WithTimestamp(end))
}

// Inject writes ctx's trace context into h as W3C traceparent (HTTP Tasks, Lambda).
func Inject(ctx context.Context, h interface{ Set(string, string) }) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return
	}
	propagation.TraceContext{}.Inject(ctx, headerCarrier{h})
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
	return fmt.Sprintf("Root=1-%s-%s;Parent=%s;Sampled=1", t[:8], t[8:], sc.SpanID().String())
}
