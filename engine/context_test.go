package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// TestContextObject: each state sees the Context object AWS builds for it. State.RetryCount is
// there only in the states that can retry (AWS recorded it for Task and Map and left it out for
// Pass); Task.Token only in a Task with a callback or .sync pattern; Map.Item only in a Map's
// ItemSelector; Execution.RedriveCount always, RedriveTime only after a redrive.
func TestContextObject(t *testing.T) {
	echo := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) { return task.Parameters, nil })
	const execution = `"Execution":{"Id":"arn:aws:states:us-east-1:123456789012:execution:sm:ex","Input":{"a":1,"xs":["x"]},"Name":"ex","RedriveCount":0,"RoleArn":"arn:aws:iam::123456789012:role/r","StartTime":"2026-01-02T03:04:05Z"}`
	const machine = `"StateMachine":{"Id":"arn:aws:states:us-east-1:123456789012:stateMachine:sm","Name":"sm"}`
	tests := []struct {
		name string
		def  string
		want string
	}{
		{
			name: "Pass has no RetryCount",
			def:  `{"StartAt":"S","States":{"S":{"Type":"Pass","Parameters":{"c.$":"$$"},"OutputPath":"$.c","End":true}}}`,
			want: `{` + execution + `,` + machine + `,"State":{"EnteredTime":"2026-01-02T03:04:05Z","Name":"S"}}`,
		},
		{
			name: "Task has a RetryCount and no token",
			def:  `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"c.$":"$$"},"OutputPath":"$.c","End":true}}}`,
			want: `{` + execution + `,` + machine + `,"State":{"EnteredTime":"2026-01-02T03:04:05Z","Name":"S","RetryCount":0}}`,
		},
		{
			name: "Parallel ResultSelector sees a RetryCount",
			def:  `{"StartAt":"S","States":{"S":{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"ResultSelector":{"s.$":"$$.State"},"OutputPath":"$.s","End":true}}}`,
			want: `{"EnteredTime":"2026-01-02T03:04:05Z","Name":"S","RetryCount":0}`,
		},
		{
			name: "Map ItemSelector sees Map.Item and a RetryCount",
			def:  `{"StartAt":"S","States":{"S":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"item.$":"$$.Map.Item","state.$":"$$.State"},"ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}},"End":true}}}`,
			want: `[{"item":{"Index":0,"Value":"x","Source":"STATE_DATA"},"state":{"EnteredTime":"2026-01-02T03:04:05Z","Name":"S","RetryCount":0}}]`,
		},
		{
			name: "Choice has no RetryCount",
			def:  `{"StartAt":"S","States":{"S":{"Type":"Choice","Choices":[{"Variable":"$$.State.RetryCount","IsPresent":true,"Next":"Yes"}],"Default":"No"},"Yes":{"Type":"Pass","Result":"present","End":true},"No":{"Type":"Pass","Result":"absent","End":true}}}`,
			want: `"absent"`,
		},
		{
			name: "JSONata Pass has no RetryCount",
			def:  `{"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Pass","Output":"{% $states.context.State %}","End":true}}}`,
			want: `{"EnteredTime":"2026-01-02T03:04:05Z","Name":"S"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, _ := execute(t, tc.def, `{"a":1,"xs":["x"]}`, echo, engine.Config{})
			if ex.Status != engine.Succeeded {
				t.Fatalf("%s: %s %s", ex.Status, deref(ex.Error), deref(ex.Cause))
			}
			jsonEqual(t, ex.Output, tc.want)
		})
	}
}

// TestContextTaskToken: $$.Task.Token is there in a Task whose pattern hands out a token
// (.waitForTaskToken, .sync, .sync:2 and activities), and nowhere else.
func TestContextTaskToken(t *testing.T) {
	tests := []struct {
		resource string
		token    bool
	}{
		{"arn:aws:states:::lambda:invoke", false},
		{"arn:aws:states:::lambda:invoke.waitForTaskToken", true},
		{"arn:aws:states:::states:startExecution.sync", true},
		{"arn:aws:states:::states:startExecution.sync:2", true},
		{"arn:aws:states:us-east-1:123456789012:activity:a", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:f", false},
	}
	for _, tc := range tests {
		t.Run(tc.resource, func(t *testing.T) {
			var params, token string
			tasks := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) {
				params, token = task.Parameters, task.Token
				return `{}`, nil
			})
			def := `{"StartAt":"S","States":{"S":{"Type":"Task","Resource":"` + tc.resource + `","Parameters":{"has.$":"States.ArrayContains(States.Array('x'), 'x')","task.$":"$$.Task"},"End":true}}}`
			ex, _ := execute(t, def, `{}`, tasks, engine.Config{})
			if tc.token {
				if ex.Status != engine.Succeeded || token == "" {
					t.Fatalf("%s %s %s, token %q", ex.Status, deref(ex.Error), deref(ex.Cause), token)
				}
				jsonEqual(t, params, `{"has":true,"task":{"Token":"`+token+`"}}`)
				return
			}
			// $$.Task does not exist: the path fails as a missing field does on AWS.
			if ex.Status != engine.Failed || deref(ex.Error) != "States.Runtime" {
				t.Fatalf("%s %s %s, params %s", ex.Status, deref(ex.Error), deref(ex.Cause), params)
			}
		})
	}
}

// TestContextTaskTokenJSONata: $states.context.Task.Token is there in a JSONata .sync:2 Task,
// as the published distributed-data-stream-aggregator sample passes it to its child.
func TestContextTaskTokenJSONata(t *testing.T) {
	var params, token string
	tasks := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) {
		params, token = task.Parameters, task.Token
		return `{}`, nil
	})
	def := `{"QueryLanguage":"JSONata","StartAt":"S","States":{"S":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Arguments":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"taskToken":"{% $states.context.Task.Token %}"}},"End":true}}}`
	ex, _ := execute(t, def, `{}`, tasks, engine.Config{})
	if ex.Status != engine.Succeeded || token == "" {
		t.Fatalf("%s %s %s, token %q", ex.Status, deref(ex.Error), deref(ex.Cause), token)
	}
	jsonEqual(t, params, `{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"taskToken":"`+token+`"}}`)
}

// TestContextRetryCount: $$.State has RetryCount in the states that can retry (Task, Parallel,
// Map) and not in the others, as AWS's Context object (recordings of a Pass state's and a Task
// state's).
func TestContextRetryCount(t *testing.T) {
	echo := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) { return task.Parameters, nil })
	for _, tc := range []struct {
		name, state string
		retry       bool
	}{
		{"Pass", `{"Type":"Pass","Parameters":{"s.$":"$$.State"},"End":true}`, false},
		{"Task", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"s.$":"$$.State"},"End":true}`, true},
		{"Parallel", `{"Type":"Parallel","Branches":[{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}}],"ResultSelector":{"s.$":"$$.State"},"End":true}`, true},
		{"Map", `{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"B","States":{"B":{"Type":"Pass","End":true}}},"ResultSelector":{"s.$":"$$.State"},"End":true}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, _ := execute(t, `{"StartAt":"S","States":{"S":`+tc.state+`}}`, `{"items":[1]}`, echo, engine.Config{})
			if ex.Status != engine.Succeeded {
				t.Fatalf("%s: %v %v", ex.Status, ex.Error, ex.Cause)
			}
			if got := strings.Contains(ex.Output, `"RetryCount":0`); got != tc.retry {
				t.Errorf("output %s: RetryCount there = %v, want %v", ex.Output, got, tc.retry)
			}
			if !strings.Contains(ex.Output, `"Name":"S"`) {
				t.Errorf("output %s has no state name", ex.Output)
			}
		})
	}
}
