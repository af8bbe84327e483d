package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
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
	want := "ExecutionStarted ParallelStateEntered ParallelStateStarted TaskStateEntered TaskScheduled WaitStateEntered TaskStarted TaskFailed TaskStateAborted WaitStateAborted ParallelStateFailed ExecutionFailed"
	if ex.Status != engine.Failed || types(evs) != want {
		t.Fatalf("%s: %s\nwant %s", ex.Status, types(evs), want)
	}
}

// A branch whose Task fails when its outcome arrives fails the Parallel state (it used to be
// counted as a finished branch, and the Parallel state succeeded).
func TestParallelBranchTaskFailure(t *testing.T) {
	tasks := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) {
		if strings.Contains(task.Parameters, `"b"`) {
			return "", &runner.TaskError{Name: "Boom", Cause: "b failed"}
		}
		return `{}`, nil
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
		{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"a"},"End":true}}},
		{"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"b"},"End":true}}}]}}}`
	ex, events := execute(t, def, `{}`, tasks, engine.Config{})
	if ex.Status != engine.Failed || ex.Error == nil || *ex.Error != "Boom" {
		t.Fatalf("status %s: %s", ex.Status, types(events))
	}
	if got := types(events); !strings.HasSuffix(got, "TaskFailed TaskStateAborted ParallelStateFailed ExecutionFailed") {
		t.Errorf("events %s", got)
	}
}

// A branch that fails in a Task state leaves the state open: AWS records TaskStateAborted for
// it, then ParallelStateFailed, both threaded from the task's failure
// (callback/test_callback's test_sqs_failure_in_wait_for_task_tok_no_error_field); a retry of
// the Parallel state starts again from the failure too (states_variables/test_error_output).
func TestParallelBranchTaskFailureAbortsItsState(t *testing.T) {
	fail := runner.TaskFunc(func(context.Context, *engine.Task) (string, error) {
		return "", &runner.TaskError{Name: "Boom"}
	})
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,
		"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":1,"IntervalSeconds":0}],
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"C"}],
		"Branches":[{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}]},
		"C":{"Type":"Pass","End":true}}}`
	ex, evs := execute(t, def, `{}`, fail, engine.Config{})
	want := "ExecutionStarted ParallelStateEntered ParallelStateStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateAborted " +
		"ParallelStateStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateAborted ParallelStateFailed ParallelStateExited PassStateEntered PassStateExited ExecutionSucceeded"
	if ex.Status != engine.Succeeded || types(evs) != want {
		t.Fatalf("%s: %s\nwant %s", ex.Status, types(evs), want)
	}
	// Each of them follows the TaskFailed before it.
	for i, e := range evs {
		var failed history.Event
		switch {
		case e.Type == "TaskStateAborted":
			failed = evs[i-1]
		case e.Type == "ParallelStateFailed", e.Type == "ParallelStateStarted" && i > 3:
			failed = evs[i-2]
		default:
			continue
		}
		if failed.Type != "TaskFailed" || e.PreviousEventID != failed.ID {
			t.Errorf("%s (%d) follows event %d, want the TaskFailed %d", e.Type, e.ID, e.PreviousEventID, failed.ID)
		}
	}
}

// An inline Map iteration that fails in a Task state leaves the state open: AWS records
// TaskStateAborted for it after MapIterationFailed, both threaded from the task's failure, as
// MapStateFailed is (timeouts/test_timeouts' test_service_lambda_map_timeout).
func TestMapIterationTaskFailureAbortsItsState(t *testing.T) {
	fail := runner.TaskFunc(func(context.Context, *engine.Task) (string, error) {
		return "", &runner.TaskError{Name: "Boom"}
	})
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},
		"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}}}}`
	ex, evs := execute(t, def, `[1]`, fail, engine.Config{})
	want := "ExecutionStarted MapStateEntered MapStateStarted MapIterationStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed " +
		"MapIterationFailed TaskStateAborted MapStateFailed ExecutionFailed"
	if ex.Status != engine.Failed || types(evs) != want {
		t.Fatalf("%s: %s\nwant %s", ex.Status, types(evs), want)
	}
	failed := evs[7]
	for _, e := range evs[8:11] {
		if e.PreviousEventID != failed.ID {
			t.Errorf("%s follows event %d, want the TaskFailed %d", e.Type, e.PreviousEventID, failed.ID)
		}
	}
}
