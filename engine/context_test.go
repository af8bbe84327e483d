package engine_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

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
