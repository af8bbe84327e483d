package tracing

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// TestSamplerFromEnv: OTEL_TRACES_SAMPLER's values, as the OpenTelemetry specification names
// them, and the default with a warning for what it does not know.
func TestSamplerFromEnv(t *testing.T) {
	for _, tc := range []struct {
		sampler, arg string // "-" for unset
		want         string // the sampler's Description
		err          string
	}{
		{"-", "-", "ParentBased{root:AlwaysOnSampler,", ""},
		{"parentbased_always_on", "-", "ParentBased{root:AlwaysOnSampler,", ""},
		{"always_on", "-", "AlwaysOnSampler", ""},
		{"ALWAYS_OFF", "-", "AlwaysOffSampler", ""},
		{"parentbased_always_off", "-", "ParentBased{root:AlwaysOffSampler,", ""},
		{"traceidratio", "0.25", "TraceIDRatioBased{0.25}", ""},
		{"traceidratio", "-", "TraceIDRatioBased{1}", ""},
		{"parentbased_traceidratio", " 0.05 ", "ParentBased{root:TraceIDRatioBased{0.05},", ""},
		{"parentbased_traceidratio", "1.5", "ParentBased{root:AlwaysOnSampler,", `OTEL_TRACES_SAMPLER_ARG="1.5" is not a ratio from 0 to 1`},
		{"traceidratio", "half", "ParentBased{root:AlwaysOnSampler,", `OTEL_TRACES_SAMPLER_ARG="half"`},
		{"xray", "-", "ParentBased{root:AlwaysOnSampler,", `OTEL_TRACES_SAMPLER="xray" is none of`},
	} {
		for k, v := range map[string]string{"OTEL_TRACES_SAMPLER": tc.sampler, "OTEL_TRACES_SAMPLER_ARG": tc.arg} {
			t.Setenv(k, v) // restored after the test
			if v == "-" {
				os.Unsetenv(k)
			}
		}
		s, err := SamplerFromEnv()
		if got := s.Description(); !strings.HasPrefix(got, tc.want) {
			t.Errorf("%s %s: sampler %s, want %s", tc.sampler, tc.arg, got, tc.want)
		}
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s %s: error %v, want %q", tc.sampler, tc.arg, err, tc.err)
		}
	}
}

// TestSampling: which executions the sampler lets through, and the trace context they pass
// on, for roots, callers' X-Ray headers (Sampled=1, 0, ? and none), tasks' traceparents and
// children found through their parent ARN. The default follows every caller's decision and
// traces the rest; always_on overrides a caller's "no", parentbased_always_off traces only
// what a caller asked for, and a ratio decides on the trace id, the same for a whole trace.
func TestSampling(t *testing.T) {
	const (
		sampledHeader   = "Root=1-11111111-222222222222222222222222;Parent=3333333333333333;Sampled=1"
		droppedHeader   = "Root=1-11111111-222222222222222222222223;Sampled=0"
		undecidedHeader = "Root=1-11111111-222222222222222222222224;Sampled=?"
		bareHeader      = "Root=1-11111111-222222222222222222222225"
		sampledTask     = "00-5759e988bd862e3fe1be46a994272793-0123456789abcdef-01"
		droppedTask     = "00-5759e988bd862e3fe1be46a994272794-0123456789abcdef-00"
	)
	rows := []*store.Execution{
		{Name: "root"},
		{Name: "sampled-header", TraceHeader: sampledHeader},
		{Name: "dropped-header", TraceHeader: droppedHeader},
		{Name: "undecided-header", TraceHeader: undecidedHeader},
		{Name: "bare-header", TraceHeader: bareHeader},
		{Name: "sampled-task", TraceParent: sampledTask},
		{Name: "dropped-task", TraceParent: droppedTask},
		{Name: "child-of-root", ParentArn: arnOf("root")},
		{Name: "child-of-dropped", ParentArn: arnOf("dropped-header")},
		{Name: "grandchild-of-dropped", ParentArn: arnOf("child-of-dropped")},
	}
	for _, tc := range []struct {
		sampler sdktrace.Sampler
		want    string // the executions exported, in rows' order
	}{
		{nil, "root sampled-header undecided-header bare-header sampled-task child-of-root"},
		{sdktrace.AlwaysSample(), "root sampled-header dropped-header undecided-header bare-header sampled-task dropped-task child-of-root child-of-dropped grandchild-of-dropped"},
		{sdktrace.NeverSample(), ""},
		{sdktrace.ParentBased(sdktrace.NeverSample()), "sampled-header sampled-task"},
	} {
		name := "default"
		if tc.sampler != nil {
			name = tc.sampler.Description()
		}
		t.Run(name, func(t *testing.T) {
			got, flags := sampleRun(t, tc.sampler, rows)
			if strings.Join(got, " ") != tc.want {
				t.Errorf("exported %q, want %q", strings.Join(got, " "), tc.want)
			}
			for _, r := range rows {
				exported := strings.Contains(" "+tc.want+" ", " "+r.Name+" ")
				if flags[r.Name] != exported {
					t.Errorf("%s: its tasks' trace context says sampled=%v, exported %v", r.Name, flags[r.Name], exported)
				}
			}
		})
	}

	// A child's own decision is its children's parent's, not its root's: here a child that the
	// sampler drops by its name drops its own child, though the root was sampled.
	byName := sdktrace.ParentBased(sdktrace.AlwaysSample(), sdktrace.WithRemoteParentSampled(nameSampler{}))
	chain := []*store.Execution{{Name: "r"}, {Name: "drop-c", ParentArn: arnOf("r")}, {Name: "g", ParentArn: arnOf("drop-c")}}
	if got, _ := sampleRun(t, byName, chain); strings.Join(got, " ") != "r" {
		t.Errorf("exported %v, want r alone", got)
	}

	// A ratio: about its share of the roots, the same decision as the SDK's sampler on the
	// root's trace id, and each root's child with it.
	var family []*store.Execution
	for i := range 200 {
		root := fmt.Sprintf("r%d", i)
		family = append(family, &store.Execution{Name: root}, &store.Execution{Name: "c" + root, ParentArn: arnOf(root)})
	}
	ratio := sdktrace.TraceIDRatioBased(0.3)
	got, _ := sampleRun(t, sdktrace.ParentBased(ratio), family)
	exported := map[string]bool{}
	for _, n := range got {
		exported[n] = true
	}
	roots := 0
	for i := range 200 {
		root := fmt.Sprintf("r%d", i)
		want := ratio.ShouldSample(sdktrace.SamplingParameters{TraceID: traceID(arnOf(root))}).Decision == sdktrace.RecordAndSample
		if exported[root] != want || exported["c"+root] != want {
			t.Errorf("%s exported %v, its child %v; the ratio says %v", root, exported[root], exported["c"+root], want)
		}
		if want {
			roots++
		}
	}
	if roots < 30 || roots > 90 {
		t.Errorf("a ratio of 0.3 exported %d roots of 200", roots)
	}
}

func arnOf(name string) string { return "arn:aws:states:us-east-1:123456789012:execution:m:" + name }

// sampleRun observes a one-event-pair execution for each row, in order, through an exporter
// with the sampler, and returns the names of the execution spans exported, in the rows' order,
// and whether each execution's task trace context was marked sampled.
func sampleRun(t *testing.T, s sdktrace.Sampler, rows []*store.Execution) ([]string, map[string]bool) {
	t.Helper()
	url, received := collect(t)
	ctx := context.Background()
	x, err := New(ctx, Options{Endpoint: url, Sampler: s})
	if err != nil {
		t.Fatal(err)
	}
	byArn := map[string]*store.Execution{}
	for _, r := range rows {
		r.Arn = arnOf(r.Name)
		byArn[r.Arn] = r
	}
	x.SetParent(func(_ context.Context, arn string) (string, string, error) {
		r := byArn[arn]
		if r == nil {
			return "", "", fmt.Errorf("no execution %s", arn)
		}
		return r.ParentArn, r.TraceHeader, nil
	})
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	flags := map[string]bool{}
	for _, r := range rows {
		r.StartedAt = t0
		x.Observe(ctx, r, []history.Event{{Type: "ExecutionStarted", ID: 1, Timestamp: history.Time{Time: t0}}})
		flags[r.Name] = trace.SpanContextFromContext(x.TaskContext(ctx, r.Arn, &engine.Task{})).IsSampled()
		x.Observe(ctx, r, []history.Event{{Type: "ExecutionSucceeded", ID: 2, PreviousEventID: 1, Timestamp: history.Time{Time: t0}}})
	}
	if err := x.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := map[string]bool{}
	for _, sp := range received() {
		spans[sp.Name] = true
	}
	var names []string
	for _, r := range rows {
		if spans[r.Name] {
			names = append(names, r.Name)
		}
	}
	return names, flags
}

// nameSampler drops the executions whose names start with "drop-".
type nameSampler struct{}

func (nameSampler) ShouldSample(p sdktrace.SamplingParameters) sdktrace.SamplingResult {
	if strings.HasPrefix(p.Name, "drop-") {
		return sdktrace.SamplingResult{Decision: sdktrace.Drop}
	}
	return sdktrace.SamplingResult{Decision: sdktrace.RecordAndSample}
}

func (nameSampler) Description() string { return "nameSampler" }
