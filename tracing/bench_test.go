package tracing

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/cputime"
	"github.com/stepwise-run/stepwise/store"
)

// chainHistory is the history of the bench's chain scenario: ten Pass states.
func chainHistory(t0 time.Time) []history.Event {
	at := func(i int) history.Time { return history.Time{Time: t0.Add(time.Duration(i) * time.Millisecond)} }
	evs := []history.Event{{Type: "ExecutionStarted", ID: 1, Timestamp: at(0), Details: &history.ExecutionStarted{}}}
	for i := range 10 {
		name := fmt.Sprintf("S%d", i)
		id := int64(len(evs))
		evs = append(evs,
			history.Event{Type: "PassStateEntered", ID: id + 1, PreviousEventID: id, Timestamp: at(2*i + 1), Details: &history.StateEntered{Name: name, Input: `{"i":0}`}},
			history.Event{Type: "PassStateExited", ID: id + 2, PreviousEventID: id + 1, Timestamp: at(2*i + 2), Details: &history.StateExited{Name: name, Output: `{"i":0}`}})
	}
	id := int64(len(evs))
	return append(evs, history.Event{Type: "ExecutionSucceeded", ID: id + 1, PreviousEventID: id, Timestamp: at(21), Details: &history.Output{Output: `{"i":0}`}})
}

// BenchmarkObserveChain exports the spans of one chain execution (12 spans) per op, to a
// collector that reads and drops the requests; cpu-µs/op is the process's CPU time (Observe,
// the SDK's batch processor, the OTLP encoding, the HTTP client and the collector).
func BenchmarkObserveChain(b *testing.B) {
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer collector.Close()
	ctx := context.Background()
	x, err := New(ctx, Options{Endpoint: collector.URL})
	if err != nil {
		b.Fatal(err)
	}
	defer x.Shutdown(ctx)
	evs := chainHistory(time.Now())
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cputime.Self()
	for i := 0; b.Loop(); i++ {
		row := &store.Execution{Arn: fmt.Sprintf("arn:aws:states:us-east-1:123456789012:execution:chain:e%d", i), Name: "e",
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:chain", StartedAt: evs[0].Timestamp.Time}
		x.Observe(ctx, row, evs[:1])
		x.Observe(ctx, row, evs[1:])
		if i%256 == 255 { // what is batched, so that the SDK's queue drops nothing
			if err := x.ForceFlush(ctx); err != nil {
				b.Fatal(err)
			}
		}
	}
	if err := x.ForceFlush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64((cputime.Self()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
