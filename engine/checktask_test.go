package engine_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
)

// TestCheckTaskFailsBeforeScheduling: parameters the integration cannot use fail the Task
// state before anything is scheduled, with AWS's States.Runtime prefix, and no Catch takes
// them (services/test_apigetway_task_service's test_invoke_with_headers[singleStringHeader]).
// A task whose parameters pass is scheduled as before.
func TestCheckTaskFailsBeforeScheduling(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"Call"},"Call":{"Type":"Task",
		"Resource":"arn:aws:states:::apigateway:invoke","Parameters":{"Method":"GET","Headers.$":"$.h"},"End":true,
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}]},"Caught":{"Type":"Pass","End":true}}}`
	var checked []*engine.Task
	cfg := engine.Config{CheckTask: func(task *engine.Task) error {
		checked = append(checked, task)
		if task.Parameters == `{"Method":"GET","Headers":"x"}` {
			return errors.New("The value of the field 'Headers' has an invalid format")
		}
		return nil
	}}
	ex, events := execute(t, def, `{"h":"x"}`, nil, cfg)
	if got, want := types(events), "ExecutionStarted PassStateEntered PassStateExited TaskStateEntered ExecutionFailed"; got != want {
		t.Fatalf("history = %s, want %s", got, want)
	}
	if len(checked) != 1 || checked[0].ResourceType != "apigateway" || checked[0].ResourceName != "invoke" || checked[0].StateName != "Call" {
		t.Fatalf("checked %+v", checked)
	}
	d, _ := json.Marshal(events[len(events)-1].Details)
	want := `{"error":"States.Runtime","cause":"An error occurred while executing the state 'Call' (entered at the event id #4). ` +
		`The Parameters '{\"Method\":\"GET\",\"Headers\":\"x\"}' could not be used to start the Task: ` +
		`[The value of the field 'Headers' has an invalid format]"}`
	if string(d) != want {
		t.Errorf("ExecutionFailed = %s\nwant %s", d, want)
	}
	if ex.Status != engine.Failed || ex.NextTaskID != 0 {
		t.Errorf("status %s, next task id %d", ex.Status, ex.NextTaskID)
	}

	_, events = execute(t, def, `{"h":{"a":["b"]}}`, nil, cfg)
	if got := types(events[:6]); got != "ExecutionStarted PassStateEntered PassStateExited TaskStateEntered TaskScheduled TaskStarted" {
		t.Errorf("valid parameters: %s", types(events))
	}
}
