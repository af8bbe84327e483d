package tracing

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"
	"time"

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
	raw, err := os.ReadFile("testdata/interleaved.json")
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
	row := &store.Execution{Arn: "arn:aws:states:us-east-1:123456789012:execution:map:interleaved", Name: "interleaved",
		StartedAt: events[0].Timestamp.Time}
	for i := range events {
		x.Observe(ctx, row, events[i:i+1])
	}
	if err := x.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	spans := received()
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
