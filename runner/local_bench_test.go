package runner

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
)

// BenchmarkLocalSkipping: an inline Map of 1,000 items, each a Task answered at once, on the
// virtual clock, as `stepwise test` runs a mocked machine: the cost of running tasks there.
func BenchmarkLocalSkipping(b *testing.B) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","TimeoutSeconds":60,
		"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}},"End":true}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	in := engine.New(sm, engine.Config{})
	items := make([]string, 1000)
	for i := range items {
		items[i] = fmt.Sprint(i)
	}
	input := `{"items":[` + strings.Join(items, ",") + `]}`
	tasks := TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) { return `{"Payload":1}`, nil })
	b.ReportAllocs()
	for b.Loop() {
		ex, _, err := Local(context.Background(), in, engine.Start{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:e", Name: "e",
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m", Input: input},
			LocalOptions{Tasks: tasks, TimeSkipping: true, NoHistory: true})
		if err != nil || ex.Status != engine.Succeeded {
			b.Fatal(ex.Status, err)
		}
	}
}
