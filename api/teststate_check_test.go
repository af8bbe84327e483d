package api_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"

	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/integration/awssdk"
	"github.com/stepwise-run/stepwise/integration/httptask"
	"github.com/stepwise-run/stepwise/integration/optimized"
	"github.com/stepwise-run/stepwise/internal/awstest"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// TestTestStateCheckedParameters: a Task whose parameters its integration's API cannot take
// fails as an execution fails it, before anything is scheduled (States.Runtime, AWS's
// words), with a mock or without one: the mock stands in for the call, not for the check
// that comes before it. The cause is said without the prefix naming the state; the
// inspection data goes as far as the parameters.
func TestTestStateCheckedParameters(t *testing.T) {
	awstest.Isolate(t, nil) // nothing is called: every case is refused or mocked
	client, err := awssdk.New(awssdk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := testStateServer(t, func(st store.Store) runner.TaskHandler {
		return &integration.Registry{Store: st, SDK: &awssdk.Handler{Client: client}, HTTP: httptask.New(httptask.Options{}),
			Optimized: optimized.New(optimized.Options{Caller: optimized.FromClient(client)})}
	})

	const (
		input   = `{"order":{"id":"o-1"},"limit":"five"}`
		params  = `{"TableName":"orders","Item":{"id":{"S":"o-1"}},"Foo":1}`
		refused = `The Parameters '` + params + `' could not be used to start the Task: [The field "Foo" is not supported by Step Functions]`
	)
	putItem := func(extra string) *string {
		return aws.String(`{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","InputPath":"$.order",
			"Parameters":{"TableName":"orders","Item":{"id":{"S.$":"$.id"}},"Foo":1}` + extra + `,"End":true}`)
	}
	result := func(r string) *types.MockInput { return &types.MockInput{Result: aws.String(r)} }
	cases := []struct {
		name            string
		definition      *string
		mock            *types.MockInput
		status          types.TestExecutionStatus
		err, cause      string
		afterParameters string // afterArguments in JSONata
		afterInputPath  string // JSONPath only
	}{
		{name: "without a mock", definition: putItem(""),
			status: types.TestExecutionStatusFailed, err: "States.Runtime", cause: refused, afterParameters: params, afterInputPath: `{"id":"o-1"}`},
		{name: "mocked", definition: putItem(""), mock: result(`{}`),
			status: types.TestExecutionStatusFailed, err: "States.Runtime", cause: refused, afterParameters: params, afterInputPath: `{"id":"o-1"}`},
		{name: "mocked with an error", definition: putItem(""),
			mock:   &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("DynamoDB.ConditionalCheckFailedException"), Cause: aws.String("c")}},
			status: types.TestExecutionStatusFailed, err: "States.Runtime", cause: refused, afterParameters: params, afterInputPath: `{"id":"o-1"}`},
		{name: "mocked, no result validation", definition: putItem(""),
			mock:   &types.MockInput{Result: aws.String(`{}`), FieldValidationMode: types.MockResponseValidationModeNone},
			status: types.TestExecutionStatusFailed, err: "States.Runtime", cause: refused, afterParameters: params, afterInputPath: `{"id":"o-1"}`},
		{name: "neither retried nor caught", definition: putItem(`,"Retry":[{"ErrorEquals":["States.ALL"]}],"Catch":[{"ErrorEquals":["States.Runtime"],"Next":"Handle"}]`),
			mock:   result(`{}`),
			status: types.TestExecutionStatusFailed, err: "States.Runtime", cause: refused, afterParameters: params, afterInputPath: `{"id":"o-1"}`},
		{name: "jsonata, a value of the wrong type", mock: result(`{}`),
			definition: aws.String(`{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::aws-sdk:dynamodb:listTables","Arguments":{"Limit":"{% $states.input.limit %}"},"End":true}`),
			status:     types.TestExecutionStatusFailed, err: "States.Runtime",
			cause:           `The Parameters '{"Limit":"five"}' could not be used to start the Task: [The value of the field 'Limit' has an invalid format: expected an integer, got string]`,
			afterParameters: `{"Limit":"five"}`},
		{name: "http:invoke without an endpoint", mock: result(`{"StatusCode":200}`),
			definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::http:invoke","Parameters":{"Method":"GET"},"End":true}`),
			status:     types.TestExecutionStatusFailed, err: "States.Runtime",
			cause:           `The Parameters '{"Method":"GET"}' could not be used to start the Task: [The field 'ApiEndpoint' is required]`,
			afterParameters: `{"Method":"GET"}`, afterInputPath: input},
		{name: "parameters the API takes", mock: result(`{}`),
			definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::dynamodb:putItem","Parameters":{"TableName":"orders","Item":{"id":{"S":"o-1"}}},"End":true}`),
			status:     types.TestExecutionStatusSucceeded, afterParameters: `{"TableName":"orders","Item":{"id":{"S":"o-1"}}}`, afterInputPath: input},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			out, err := c.TestState(context.Background(), &sfn.TestStateInput{Definition: tc.definition, RoleArn: aws.String(role),
				Input: aws.String(input), Mock: tc.mock, InspectionLevel: types.InspectionLevelDebug})
			if err != nil {
				t.Fatal(err)
			}
			if out.Status != tc.status || aws.ToString(out.Error) != tc.err || aws.ToString(out.Cause) != tc.cause {
				t.Errorf("status %s error %q cause %q,\nwant %s %q %q", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause), tc.status, tc.err, tc.cause)
			}
			if out.NextState != nil {
				t.Errorf("nextState %q", *out.NextState)
			}
			d := out.InspectionData
			if d == nil {
				t.Fatal("no inspection data")
			}
			after := d.AfterParameters
			if d.AfterArguments != nil {
				after = d.AfterArguments
			}
			sameJSON(t, "input", d.Input, input)
			if tc.afterInputPath != "" {
				sameJSON(t, "afterInputPath", d.AfterInputPath, tc.afterInputPath)
			}
			sameJSON(t, "afterParameters", after, tc.afterParameters)
			if tc.status == types.TestExecutionStatusFailed && (d.Result != nil || d.AfterResultSelector != nil || d.AfterResultPath != nil) {
				t.Errorf("a result from a task that was not scheduled: %+v", d)
			}
		})
	}
}
