package execlog

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

type oneMachine struct{ config string }

func (m oneMachine) GetStateMachine(context.Context, string) (*store.StateMachine, error) {
	return &store.StateMachine{Config: m.config}, nil
}

// BenchmarkStep logs one step of a chain of Pass states (a state exited, the next entered)
// to a file sink: the cost a commit pays, by logging configuration.
func BenchmarkStep(b *testing.B) {
	at := history.Time{Time: time.Now()}
	in := `{"i":0,"payload":"some execution data of a typical size, a few dozen bytes"}`
	step := []history.Event{
		{Type: "PassStateExited", ID: 3, PreviousEventID: 2, Timestamp: at, Details: &history.StateExited{Name: "S0", Output: in}},
		{Type: "PassStateEntered", ID: 4, PreviousEventID: 3, Timestamp: at, Details: &history.StateEntered{Name: "S1", Input: in}},
	}
	const arn = "arn:aws:states:us-east-1:123456789012:execution:bench-chain:a69cea4f-c6b6-4546-95f8-7389d642033f"
	for _, c := range []struct{ name, config string }{
		{"OFF", `{}`},
		{"ERROR", `{"loggingConfiguration":{"level":"ERROR","includeExecutionData":true}}`},
		{"ALL", `{"loggingConfiguration":{"level":"ALL","includeExecutionData":true}}`},
		{"ALL-nodata", `{"loggingConfiguration":{"level":"ALL","includeExecutionData":false}}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			w := NewWriter(NewFileSink(io.Discard), oneMachine{c.config}, nil)
			b.ReportAllocs()
			for b.Loop() {
				w.Events(context.Background(), "arn:sm", arn, 0, step)
			}
		})
	}
}
