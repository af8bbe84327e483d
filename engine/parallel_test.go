package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// A branch whose task fails after the Parallel state has started (its failure arrives as an
// event) fails the Parallel state and aborts the other branches.
func TestParallelBranchFailsLater(t *testing.T) {
	def := `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
		{"StartAt": "F", "States": {"F": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
		{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 100, "End": true}}}]}}}`
	fail := runner.TaskFunc(func(context.Context, *engine.Task) (string, error) { return "", errors.New("boom") })
	ex, evs := execute(t, def, `{}`, fail, engine.Config{})
	want := "ExecutionStarted ParallelStateEntered ParallelStateStarted TaskStateEntered TaskScheduled WaitStateEntered TaskStarted TaskFailed WaitStateAborted ParallelStateFailed ExecutionFailed"
	if ex.Status != engine.Failed || types(evs) != want {
		t.Fatalf("%s: %s\nwant %s", ex.Status, types(evs), want)
	}
}
