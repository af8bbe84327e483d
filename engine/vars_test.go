package engine_test

import (
	"context"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// TestVariableScopes: Parallel branches and Map iterations read the variables of the scopes
// around them, except a Distributed Map's iterations, which are child executions: AWS's
// "Passing data between states with variables" says Distributed Map states cannot reference
// variables in outer scopes (its ItemSelector, evaluated in the outer scope, can). An
// iteration that reads one fails, and with it the Map.
func TestVariableScopes(t *testing.T) {
	const assignX = `"A":{"Type":"Pass","Assign":{"x":1},"Next":"M"}`
	inline := `{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}`
	distributed := `{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}`
	distributedJSONata := `{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","QueryLanguage":"JSONata","Output":{"x":"{% $x %}"},"End":true}}}`
	distributedPassThrough := `{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}`
	tests := []struct {
		name   string
		def    string
		status engine.Status
		error  string
		output string
	}{
		{
			name:   "inline Map iteration reads an outer variable",
			def:    `{"StartAt":"A","States":{` + assignX + `,"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":` + inline + `,"End":true}}}`,
			status: engine.Succeeded,
			output: `[{"x":1},{"x":1}]`,
		},
		{
			name: "Parallel branch reads an outer variable",
			def: `{"StartAt":"A","States":{` + assignX + `,"M":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"I","States":{"I":{"Type":"Pass","Parameters":{"x.$":"$x"},"End":true}}}]}}}`,
			status: engine.Succeeded,
			output: `[{"x":1}]`,
		},
		{
			name:   "Distributed Map iteration cannot read an outer variable",
			def:    `{"StartAt":"A","States":{` + assignX + `,"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":` + distributed + `,"End":true}}}`,
			status: engine.Failed,
			error:  "States.ExceedToleratedFailureThreshold", // the iteration failed
		},
		{
			name:   "Distributed Map iteration cannot read an outer variable in JSONata",
			def:    `{"StartAt":"A","States":{` + assignX + `,"M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":` + distributedJSONata + `,"End":true}}}`,
			status: engine.Failed,
			error:  "States.ExceedToleratedFailureThreshold",
		},
		{
			name:   "Distributed Map ItemSelector passes an outer variable in",
			def:    `{"StartAt":"A","States":{` + assignX + `,"M":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"x.$":"$x"},"ItemProcessor":` + distributedPassThrough + `,"End":true}}}`,
			status: engine.Succeeded,
			output: `[{"x":1},{"x":1}]`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, _ := execute(t, tc.def, `{"xs":[1,2]}`, nil, engine.Config{})
			if ex.Status != tc.status {
				t.Fatalf("status = %s, want %s (%s %s)", ex.Status, tc.status, deref(ex.Error), deref(ex.Cause))
			}
			if deref(ex.Error) != tc.error {
				t.Errorf("error = %q, want %q (%s)", deref(ex.Error), tc.error, deref(ex.Cause))
			}
			if tc.output != "" {
				jsonEqual(t, ex.Output, tc.output)
			}
		})
	}
}

// TestAssignReadsTheRawResult: in a JSONPath Task, Map or Parallel state, Assign's "$" is the
// API or sub-workflow result, as AWS documents ("the assign step ... occurs at the same time
// as the ResultSelector"), not what ResultSelector makes of it.
func TestAssignReadsTheRawResult(t *testing.T) {
	echo := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) { return task.Parameters, nil })
	tests := []struct {
		name  string
		state string
		tasks runner.TaskFunc
	}{
		{"Parallel", `{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","Result":1,"End":true}}}],
			"ResultSelector":{"sel.$":"$[0]"},"Assign":{"raw.$":"$"},"ResultPath":"$.r","Next":"Q"}`, nil},
		{"Map", `{"Type":"Map","ItemsPath":"$.one","ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","Result":1,"End":true}}},
			"ResultSelector":{"sel.$":"$[0]"},"Assign":{"raw.$":"$"},"ResultPath":"$.r","Next":"Q"}`, nil},
		{"Task", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload":[1]},
			"ResultSelector":{"sel.$":"$.Payload[0]"},"Assign":{"raw.$":"$.Payload"},"ResultPath":"$.r","Next":"Q"}`, echo},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def := `{"StartAt":"S","States":{"S":` + tc.state + `,"Q":{"Type":"Pass","Parameters":{"raw.$":"$raw","r.$":"$.r"},"End":true}}}`
			ex, _ := execute(t, def, `{"one":[0]}`, tc.tasks, engine.Config{})
			if ex.Status != engine.Succeeded {
				t.Fatalf("status = %s (%s %s)", ex.Status, deref(ex.Error), deref(ex.Cause))
			}
			jsonEqual(t, ex.Output, `{"raw":[1],"r":{"sel":1}}`)
		})
	}
}
