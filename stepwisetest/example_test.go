package stepwisetest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/stepwisetest"
)

// A state machine that calls a Go function and then waits a week runs to its end at once
// on the virtual clock. In a test, stepwisetest.New(t, ...) starts the server and stops it
// when the test ends; Start and Close do the same outside a test.
func Example() {
	sw, err := stepwisetest.Start(stepwisetest.TimeSkipping(),
		stepwisetest.Function("greet", func(ctx context.Context, event json.RawMessage) (any, error) {
			var in struct{ Name string }
			if err := json.Unmarshal(event, &in); err != nil {
				return nil, err
			}
			return map[string]string{"greeting": "Hello, " + strings.ToUpper(in.Name)}, nil
		}))
	if err != nil {
		log.Fatal(err)
	}
	defer sw.Close()

	ctx := context.Background()
	client := sfn.NewFromConfig(sw.AWSConfig())
	sm, err := client.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
		Name:    aws.String("greeter"),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/greeter"),
		Definition: aws.String(`{"StartAt":"Greet","States":{
			"Greet":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
				"Parameters":{"FunctionName":"greet","Payload.$":"$"},"OutputPath":"$.Payload","Next":"AWeekLater"},
			"AWeekLater":{"Type":"Wait","Seconds":604800,"End":true}}}`),
	})
	if err != nil {
		log.Fatal(err)
	}
	run, err := client.StartExecution(ctx, &sfn.StartExecutionInput{
		StateMachineArn: sm.StateMachineArn, Name: aws.String("first"), Input: aws.String(`{"Name":"ada"}`)})
	if err != nil {
		log.Fatal(err)
	}
	out, err := sw.WaitContext(ctx, aws.ToString(run.ExecutionArn))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(out.Status, aws.ToString(out.Output))
	fmt.Println("days on the virtual clock:", int(out.StopDate.Sub(*out.StartDate).Hours()/24))
	// Output:
	// SUCCEEDED {"greeting":"Hello, ADA"}
	// days on the virtual clock: 7
}
