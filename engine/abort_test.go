package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/runner"
)

// When an iteration or a branch fails, AWS threads every event that aborts its siblings
// (and the states nested in them) from the event that caused the failure, not from each
// sibling's own last event: in timeouts/test_timeouts' test_service_lambda_map_timeout the
// TaskStateAborted and MapIterationAborted events 25 to 31 all follow the TaskTimedOut 20.
func TestAbortsFollowTheCause(t *testing.T) {
	fail := runner.TaskFunc(func(context.Context, *engine.Task) (string, error) {
		return "", &runner.TaskError{Name: "Boom"}
	})
	const wait = `{"Type":"Wait","Seconds":100,"End":true}`
	tests := []struct {
		name  string
		def   string
		input string
		cause string // the type of the event that fails the iteration or branch
		want  string // the abort events, in order
	}{{
		name: "map iteration reaches Fail",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":1,"Next":"W1"}],"Default":"W"},
			"W1":{"Type":"Wait","Seconds":1,"Next":"F"},"F":{"Type":"Fail","Error":"E"},"W":` + wait + `}}}}}`,
		input: `[0,1,2]`,
		cause: "FailStateEntered",
		want:  "WaitStateAborted MapIterationAborted WaitStateAborted MapIterationAborted",
	}, {
		name: "map iteration task fails",
		def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"C","States":{
			"C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":1,"Next":"T"}],"Default":"W"},
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true},"W":` + wait + `}}}}}`,
		input: `[0,1,2]`,
		cause: "TaskFailed",
		want:  "TaskStateAborted WaitStateAborted MapIterationAborted WaitStateAborted MapIterationAborted",
	}, {
		name: "parallel branch task fails",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"W","States":{"W":` + wait + `}},
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}},
			{"StartAt":"W2","States":{"W2":` + wait + `}}]}}}`,
		input: `{}`,
		cause: "TaskFailed",
		want:  "TaskStateAborted WaitStateAborted WaitStateAborted",
	}, {
		name: "nested map in an aborted branch",
		def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
			{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"W","States":{"W":` + wait + `}}}}},
			{"StartAt":"W1","States":{"W1":{"Type":"Wait","Seconds":1,"Next":"F"},"F":{"Type":"Fail","Error":"E"}}}]}}}`,
		input: `[0,1]`,
		cause: "FailStateEntered",
		want:  "WaitStateAborted WaitStateAborted MapStateAborted",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex, evs := execute(t, tt.def, tt.input, fail, engine.Config{})
			if ex.Status != engine.Failed {
				t.Fatalf("status %s: %s", ex.Status, types(evs))
			}
			var cause int64
			var aborts []history.Event
			for _, e := range evs {
				switch {
				case e.Type == tt.cause && cause == 0:
					cause = e.ID
				case strings.HasSuffix(e.Type, "Aborted") && e.Type != "ExecutionAborted":
					aborts = append(aborts, e)
				}
			}
			if got := types(aborts); got != tt.want {
				t.Fatalf("aborts %s, want %s\n%s", got, tt.want, types(evs))
			}
			for _, e := range aborts {
				if e.PreviousEventID != cause {
					t.Errorf("%s (%d) follows event %d, want the %s %d", e.Type, e.ID, e.PreviousEventID, tt.cause, cause)
				}
			}
		})
	}
}
