package tracing

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// DefaultSampler traces every execution its caller did not decide against: the SDK's own
// default (parentbased_always_on). On AWS, X-Ray's sampling rules decide, and its default rule
// records the first request of each second and 5 % of the others; traced locally, every
// execution is expected to show.
func DefaultSampler() sdktrace.Sampler { return sdktrace.ParentBased(sdktrace.AlwaysSample()) }

// SamplerFromEnv is the sampler OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG name, as the
// OpenTelemetry specification defines them: always_on, always_off, traceidratio,
// parentbased_always_on, parentbased_always_off, parentbased_traceidratio (the ratio in the
// argument, 1 when it is absent). Unset, it is DefaultSampler. A value it does not know, or a
// ratio that is not a number from 0 to 1, is an error, and the sampler returned with it is
// DefaultSampler, as the SDK falls back to its default (the caller reports the error).
//
// The SDK reads these variables only for a TracerProvider it builds, and the Exporter builds
// none (it makes its spans from history, spans.go): hence this reading of the two variables.
func SamplerFromEnv() (sdktrace.Sampler, error) {
	name := strings.ToLower(strings.TrimSpace(os.Getenv("OTEL_TRACES_SAMPLER")))
	arg, hasArg := os.LookupEnv("OTEL_TRACES_SAMPLER_ARG")
	ratio := func() (float64, error) {
		if !hasArg {
			return 1, nil
		}
		r, err := strconv.ParseFloat(strings.TrimSpace(arg), 64)
		if err != nil || r < 0 || r > 1 {
			return 0, fmt.Errorf("OTEL_TRACES_SAMPLER_ARG=%q is not a ratio from 0 to 1", arg)
		}
		return r, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return DefaultSampler(), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "traceidratio", "parentbased_traceidratio":
		r, err := ratio()
		if err != nil {
			return DefaultSampler(), err
		}
		if name == "traceidratio" {
			return sdktrace.TraceIDRatioBased(r), nil
		}
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(r)), nil
	}
	return DefaultSampler(), fmt.Errorf("OTEL_TRACES_SAMPLER=%q is none of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio", name)
}

// decided is how an execution's caller decided on tracing it: it did not (the execution is a
// root, or its caller's X-Ray header says Sampled=? or nothing), or it did, either way.
type decided int8

const (
	undecided decided = iota
	sampledByCaller
	droppedByCaller
)

// decide asks the sampler whether an execution of trace t is exported, its caller's decision
// (with the caller's span, parent, when there is one) its parent context. An execution is
// sampled whole: its states' and tasks' spans, and the trace context it passes on, follow its
// own span's decision.
func (x *Exporter) decide(t trace.TraceID, parent trace.SpanID, by decided, name string) bool {
	ctx := context.Background()
	if by != undecided {
		if !parent.IsValid() {
			parent = trace.SpanID{7: 1} // a caller without a segment id decided all the same
		}
		var flags trace.TraceFlags
		if by == sampledByCaller {
			flags = trace.FlagsSampled
		}
		ctx = trace.ContextWithRemoteSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: t, SpanID: parent, TraceFlags: flags, Remote: true}))
	}
	r := x.sampler.ShouldSample(sdktrace.SamplingParameters{ParentContext: ctx, TraceID: t, Name: name, Kind: trace.SpanKindServer})
	return r.Decision == sdktrace.RecordAndSample
}
