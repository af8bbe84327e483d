package engine_test

import (
	"context"
	"testing"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// TestAcceptedConstructsRun: the constructs AWS accepts from published machines
// (asl.TestAcceptsWhatAWSAccepts) run as their authors meant.
func TestAcceptedConstructsRun(t *testing.T) {
	tests := []struct {
		name     string
		state    string // a Task or Pass state named S, with End
		input    string
		output   string
		resource [3]string // the task's Kind, ResourceType and ResourceName, if a task runs
	}{
		{
			name:   "filter compared with an unquoted word",
			state:  `{"Type":"Pass","Parameters":{"t.$":"$.Translations[?(@.TargetLanguageCode==es)].TranslatedText"},"End":true}`,
			input:  `{"Translations":[{"TargetLanguageCode":"fr","TranslatedText":"bonjour"},{"TargetLanguageCode":"es","TranslatedText":"hola"}]}`,
			output: `{"t":["hola"]}`,
		},
		{
			name:   "context path with a trailing space",
			state:  `{"Type":"Pass","Parameters":{"n.$":"$$.Execution.Name ","i.$":"$.a "},"End":true}`,
			input:  `{"a":1}`,
			output: `{"n":"ex","i":1}`,
		},
		{
			name:     "aws-sdk integration with region and account",
			state:    `{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:aws-sdk:s3:getObject","Parameters":{"Bucket":"b","Key":"k"},"End":true}`,
			input:    `{}`,
			output:   `{"Bucket":"b","Key":"k"}`,
			resource: [3]string{"", "aws-sdk:s3", "getObject"},
		},
		{
			name:     "optimized .sync integration with region and account",
			state:    `{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:athena:startQueryExecution.sync","Parameters":{"QueryString":"q"},"End":true}`,
			input:    `{}`,
			output:   `{"QueryString":"q"}`,
			resource: [3]string{".sync", "athena", "startQueryExecution.sync"},
		},
		{
			name:     "Lambda ARN with empty region and account",
			state:    `{"Type":"Task","Resource":"arn:aws:lambda:::function:f","End":true}`,
			input:    `{"x":1}`,
			output:   `{"x":1}`,
			resource: [3]string{"", "", "arn:aws:lambda:::function:f"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *engine.Task
			tasks := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) {
				got = task
				return task.Parameters, nil
			})
			ex, _ := execute(t, `{"StartAt":"S","States":{"S":`+tc.state+`}}`, tc.input, tasks, engine.Config{})
			if ex.Status != engine.Succeeded {
				t.Fatalf("%s: %s %s", ex.Status, deref(ex.Error), deref(ex.Cause))
			}
			jsonEqual(t, ex.Output, tc.output)
			if tc.resource != [3]string{} || got != nil {
				if got == nil {
					t.Fatal("no task ran")
				}
				if g := [3]string{got.Pattern, got.ResourceType, got.ResourceName}; g != tc.resource {
					t.Errorf("task %v, want %v", g, tc.resource)
				}
			}
		})
	}
}
