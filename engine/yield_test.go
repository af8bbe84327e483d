package engine_test

import (
	"testing"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/engine"
)

// loop counts $.i up to $.n with Pass and Choice states, never waiting.
const loop = `{"QueryLanguage":"JSONata","StartAt":"Inc","States":{
	"Inc":{"Type":"Pass","Output":{"i":"{% $states.input.i + 1 %}","n":"{% $states.input.n %}","w":"{% $sum([1..$states.input.work]) %}","work":"{% $states.input.work %}"},"Next":"Check"},
	"Check":{"Type":"Choice","Choices":[{"Condition":"{% $states.input.i >= $states.input.n %}","Next":"Done"}],"Default":"Inc"},
	"Done":{"Type":"Succeed"}}}`

// TestCallsYield checks that a machine that never waits still hands control back to its
// driver: after 5,000 states, or a step budget's worth of evaluation, with one timer due at
// once. Stop, applied between calls, ends it; without a Stop it ends as it would unyielded.
func TestCallsYield(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		limits   budget.Limits
		n        int
		maxCalls int // calls an execution of n iterations needs at most
		minCalls int
	}{
		{"by states", `{"i":0,"n":6000,"work":1}`, budget.Limits{}, 6000, 4, 3},
		{"by work", `{"i":0,"n":1000,"work":1000}`, budget.Limits{Steps: 100_000}, 1000, 150, 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sm, err := asl.Parse([]byte(loop), asl.ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in := engine.New(sm, engine.Config{Region: "us-east-1", EvalLimits: tt.limits})
			start := engine.Start{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:ex", Name: "ex",
				StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
				Input: tt.input, Time: t0, Defer: true}
			ex, step := in.Start(start)
			if len(step.Events) != 1 || step.Events[0].Type != "ExecutionStarted" {
				t.Fatalf("deferred start: %d events, first %s", len(step.Events), step.Events[0].Type)
			}
			calls, events := 1, len(step.Events)
			for !ex.Done() {
				timer := yieldTimer(step)
				if timer == 0 {
					t.Fatalf("call %d ended running without a timer due at once", calls)
				}
				step = in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: timer, Time: t0})
				calls++
				events += len(step.Events)
				if calls > tt.maxCalls {
					t.Fatalf("more than %d calls", tt.maxCalls)
				}
			}
			if ex.Status != engine.Succeeded || calls < tt.minCalls {
				t.Fatalf("status %s after %d calls (want at least %d)", ex.Status, calls, tt.minCalls)
			}
			// n Pass and n Choice states, entered and exited, and the Succeed state.
			if want := 1 + 4*tt.n + 2 + 1; events != want {
				t.Errorf("%d events, want %d", events, want)
			}

			// Stopped between calls, it stays stopped: the timer is cancelled and moot.
			ex, step = in.Start(start)
			step = in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: yieldTimer(step), Time: t0})
			timer := yieldTimer(step)
			stop := in.Apply(ex, engine.Event{Kind: engine.Stop, Time: t0})
			if ex.Status != engine.Aborted || !cancels(stop, timer) {
				t.Fatalf("after Stop: %s, commands %+v", ex.Status, stop.Commands)
			}
			if late := in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: timer, Time: t0}); len(late.Events) != 0 {
				t.Fatalf("the yield timer after a Stop recorded %d events", len(late.Events))
			}
		})
	}
}

func yieldTimer(step engine.Step) int64 {
	for _, c := range step.Commands {
		if c.Kind == engine.StartTimer && c.At.Equal(t0) {
			return c.TimerID
		}
	}
	return 0
}

func cancels(step engine.Step, timer int64) bool {
	for _, c := range step.Commands {
		if c.Kind == engine.CancelTimer && c.TimerID == timer {
			return true
		}
	}
	return false
}
