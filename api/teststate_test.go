package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

// sameJSON fails the test unless got and want are the same JSON value.
func sameJSON(t *testing.T, what string, got *string, want string) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: absent, want %s", what, want)
		return
	}
	var g, w any
	if err := json.Unmarshal([]byte(*got), &g); err != nil {
		t.Errorf("%s: %q is not JSON: %v", what, *got, err)
		return
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("%s: bad expectation %q: %v", what, want, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s = %s, want %s", what, *got, want)
	}
}

func TestTestStateOutcomes(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	ioInput := `{"initialData":{"fieldFromInput":"value from input","otherField":"other"},"unrelatedData":{"someOtherField":1234}}`
	lambdaTask := func(extra string) string {
		return `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"}` + extra + `}`
	}
	cases := []struct {
		name       string
		in         sfn.TestStateInput
		status     types.TestExecutionStatus
		output     string
		next       string
		err, cause string
	}{
		{name: "pass", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Pass","InputPath":"$.initialData","Parameters":{"staticValue":"some value","inputValue.$":"$.fieldFromInput"},"ResultPath":"$.modifiedData","End":true}`),
			Input:      aws.String(ioInput)},
			status: types.TestExecutionStatusSucceeded,
			output: `{"initialData":{"fieldFromInput":"value from input","otherField":"other"},"unrelatedData":{"someOtherField":1234},"modifiedData":{"staticValue":"some value","inputValue":"value from input"}}`},
		{name: "pass next", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","Result":{"a":1},"Next":"Elsewhere"}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"a":1}`, next: "Elsewhere"},
		{name: "pass next is itself", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","Next":"StateName"}`), Input: aws.String(`{"x":1}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"x":1}`, next: "StateName"},
		{name: "choice", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Choice","Choices":[{"Variable":"$.value","NumericGreaterThanEquals":30,"Next":"ValueIsThirtiesOrMore"},{"Variable":"$.value","NumericGreaterThanEquals":20,"Next":"ValueInTwenties"}],"Default":"DefaultState"}`),
			Input:      aws.String(`{"type":"Private","value":22}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"type":"Private","value":22}`, next: "ValueInTwenties"},
		{name: "choice default", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Choice","Choices":[{"Variable":"$.value","NumericGreaterThanEquals":30,"Next":"Big"}],"Default":"Small"}`),
			Input:      aws.String(`{"value":2}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"value":2}`, next: "Small"},
		{name: "fail", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Fail","Error":"SomeFailure","Cause":"This state machines raises a 'SomeFailure' failure."}`)},
			status: types.TestExecutionStatusFailed, err: "SomeFailure", cause: "This state machines raises a 'SomeFailure' failure."},
		{name: "succeed", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Succeed"}`), Input: aws.String(`{"Value":"HelloWorld"}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"Value":"HelloWorld"}`},
		{name: "wait of a day passes at once", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Wait","Seconds":86400,"Next":"After"}`), Input: aws.String(`{"w":1}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"w":1}`, next: "After"},
		{name: "task mock result", in: sfn.TestStateInput{
			Definition: aws.String(lambdaTask(`,"ResultSelector":{"p.$":"$.Payload"},"ResultPath":"$.out","End":true`)),
			RoleArn:    aws.String(role), Input: aws.String(`{"in":1}`),
			Mock: &types.MockInput{Result: aws.String(`{"Payload":"function output","StatusCode":200}`)}},
			status: types.TestExecutionStatusSucceeded, output: `{"in":1,"out":{"p":"function output"}}`},
		{name: "task real integration", in: sfn.TestStateInput{
			Definition: aws.String(lambdaTask(`,"OutputPath":"$.Payload","Next":"Then"`)),
			RoleArn:    aws.String(role), Input: aws.String(`{"in":1}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"echo":{"FunctionName":"f","Payload":{"in":1}}}`, next: "Then"},
		{name: "task mock error caught", in: sfn.TestStateInput{
			Definition: aws.String(lambdaTask(`,"Catch":[{"ErrorEquals":["Other"],"Next":"No"},{"ErrorEquals":["MockException"],"ResultPath":"$.errorOutput","Next":"HandleMockError"}],"End":true`)),
			RoleArn:    aws.String(role), Input: aws.String(`{"Value":"HelloWorld"}`),
			Mock: &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("MockException"), Cause: aws.String("Mock the cause of the error.")}}},
			status: types.TestExecutionStatusCaughtError, next: "HandleMockError", err: "MockException", cause: "Mock the cause of the error.",
			output: `{"Value":"HelloWorld","errorOutput":{"Error":"MockException","Cause":"Mock the cause of the error."}}`},
		{name: "task mock error retriable before caught", in: sfn.TestStateInput{
			Definition: aws.String(lambdaTask(`,"Retry":[{"ErrorEquals":["MockException"],"MaxAttempts":2}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true`)),
			RoleArn:    aws.String(role),
			Mock:       &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("MockException"), Cause: aws.String("c")}}},
			status: types.TestExecutionStatusRetriable, err: "MockException", cause: "c"},
		{name: "retries exhausted", in: sfn.TestStateInput{
			Definition:         aws.String(lambdaTask(`,"Retry":[{"ErrorEquals":["MockException"],"MaxAttempts":2}],"End":true`)),
			RoleArn:            aws.String(role),
			StateConfiguration: &types.TestStateConfiguration{RetrierRetryCount: aws.Int32(2)},
			Mock:               &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("MockException"), Cause: aws.String("c")}}},
			status: types.TestExecutionStatusFailed, err: "MockException", cause: "c"},
		{name: "task mock error uncaught", in: sfn.TestStateInput{
			Definition: aws.String(lambdaTask(`,"End":true`)),
			RoleArn:    aws.String(role),
			Mock:       &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("Boom"), Cause: aws.String("bang")}}},
			status: types.TestExecutionStatusFailed, err: "Boom", cause: "bang"},
		{name: "jsonata pass", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Pass","QueryLanguage":"JSONata","Output":{"sum":"{% $sum($states.input.values) + $k %}"},"End":true}`),
			Input:      aws.String(`{"values":[1,2,3]}`), Variables: aws.String(`{"k":10}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"sum":16}`},
		{name: "whole machine and a state name", in: sfn.TestStateInput{
			Definition: aws.String(`{"QueryLanguage":"JSONata","StartAt":"State0","States":{"State0":{"Type":"Pass","Output":{"Value":"{% $states.input.v %}"},"Next":"State1"},"State1":{"Type":"Fail","Error":"SomeFailure"}}}`),
			StateName:  aws.String("State0"), Input: aws.String(`{"v":"HelloWorld"}`)},
			status: types.TestExecutionStatusSucceeded, output: `{"Value":"HelloWorld"}`, next: "State1"},
		{name: "parallel with mock", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Parallel","ResultPath":"$.parallelResult","End":true,"Branches":[{"StartAt":"A","States":{"A":{"Type":"Succeed"}}},{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}]}`),
			Input:      aws.String(`{"parallelInput":{"data":"input_value"}}`),
			Mock:       &types.MockInput{Result: aws.String(`[{"branch1": "result"}, {"branch2": "result"}]`)}},
			status: types.TestExecutionStatusSucceeded, output: `{"parallelInput":{"data":"input_value"},"parallelResult":[{"branch1":"result"},{"branch2":"result"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			out, err := c.TestState(ctx, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if time.Since(start) > 5*time.Second {
				t.Errorf("took %v", time.Since(start))
			}
			if out.Status != tc.status {
				t.Fatalf("status %s, want %s (error %q cause %q)", out.Status, tc.status, aws.ToString(out.Error), aws.ToString(out.Cause))
			}
			if tc.output != "" {
				sameJSON(t, "output", out.Output, tc.output)
			} else if out.Output != nil {
				t.Errorf("output %s, want none", *out.Output)
			}
			if got := aws.ToString(out.NextState); got != tc.next {
				t.Errorf("nextState %q, want %q", got, tc.next)
			}
			if aws.ToString(out.Error) != tc.err || aws.ToString(out.Cause) != tc.cause {
				t.Errorf("error %q cause %q, want %q %q", aws.ToString(out.Error), aws.ToString(out.Cause), tc.err, tc.cause)
			}
			if out.InspectionData != nil {
				t.Errorf("inspection data at INFO")
			}
		})
	}
}

func TestTestStateInspectionData(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	type field struct {
		name string
		got  func(*types.InspectionData) *string
		want string
	}
	fields := func(input, afterInputPath, afterParameters, result, afterResultSelector, afterResultPath string) []field {
		return []field{
			{"input", func(d *types.InspectionData) *string { return d.Input }, input},
			{"afterInputPath", func(d *types.InspectionData) *string { return d.AfterInputPath }, afterInputPath},
			{"afterParameters", func(d *types.InspectionData) *string { return d.AfterParameters }, afterParameters},
			{"result", func(d *types.InspectionData) *string { return d.Result }, result},
			{"afterResultSelector", func(d *types.InspectionData) *string { return d.AfterResultSelector }, afterResultSelector},
			{"afterResultPath", func(d *types.InspectionData) *string { return d.AfterResultPath }, afterResultPath},
		}
	}
	ioInput := `{"initialData":{"fieldFromInput":"value from input","otherField":"other"},"unrelatedData":{"someOtherField":1234}}`
	cases := []struct {
		name   string
		in     sfn.TestStateInput
		fields []field
		errs   *types.InspectionErrorDetails
	}{
		// The figures of AWS's recordings (test_test_state_scenarios: IO_PASS_STATE, IO_RESULT_PASS_STATE,
		// BASE_CHOICE_STATE, BASE_FAIL_STATE).
		{name: "pass with parameters", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Pass","InputPath":"$.initialData","Parameters":{"staticValue":"some value","inputValue.$":"$.fieldFromInput"},"ResultPath":"$.modifiedData","End":true}`),
			Input:      aws.String(ioInput)},
			fields: fields(ioInput, `{"fieldFromInput":"value from input","otherField":"other"}`, `{"staticValue":"some value","inputValue":"value from input"}`, "",
				`{"staticValue":"some value","inputValue":"value from input"}`,
				`{"initialData":{"fieldFromInput":"value from input","otherField":"other"},"unrelatedData":{"someOtherField":1234},"modifiedData":{"staticValue":"some value","inputValue":"value from input"}}`)},
		{name: "pass with result", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Pass","Result":{"resultKey":"result value"},"ResultPath":"$.modifiedData","End":true}`),
			Input:      aws.String(ioInput)},
			fields: fields(ioInput, "", "", `{"resultKey":"result value"}`, `{"resultKey":"result value"}`,
				`{"initialData":{"fieldFromInput":"value from input","otherField":"other"},"unrelatedData":{"someOtherField":1234},"modifiedData":{"resultKey":"result value"}}`)},
		{name: "choice", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Choice","Choices":[{"Variable":"$.value","NumericGreaterThanEquals":20,"Next":"ValueInTwenties"}],"Default":"D"}`),
			Input:      aws.String(`{"type":"Private","value":22}`)},
			fields: fields(`{"type":"Private","value":22}`, `{"type":"Private","value":22}`, "", "", "", "")},
		{name: "fail", in: sfn.TestStateInput{Definition: aws.String(`{"Type":"Fail","Error":"E"}`), Input: aws.String(`{"Value":"HelloWorld"}`)},
			fields: fields(`{"Value":"HelloWorld"}`, `{"Value":"HelloWorld"}`, "", "", "", "")},
		{name: "task", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","InputPath":"$.in","Parameters":{"FunctionName":"f","Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload"},"ResultPath":"$.r","End":true}`),
			Input:      aws.String(`{"in":{"a":1}}`), RoleArn: aws.String(role),
			Mock: &types.MockInput{Result: aws.String(`{"Payload":2}`), FieldValidationMode: types.MockResponseValidationModeNone}},
			fields: fields(`{"in":{"a":1}}`, `{"a":1}`, `{"FunctionName":"f","Payload":{"a":1}}`, `{"Payload":2}`, `{"p":2}`, `{"in":{"a":1},"r":{"p":2}}`)},
		{name: "task caught", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["X"],"Next":"A"},{"ErrorEquals":["States.ALL"],"Next":"B"}],"End":true}`),
			Input:      aws.String(`{}`), RoleArn: aws.String(role),
			Mock: &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("E"), Cause: aws.String("C")}}},
			fields: fields(`{}`, `{}`, `{"FunctionName":"f"}`, "", "", ""),
			errs:   &types.InspectionErrorDetails{CatchIndex: aws.Int32(1)}},
		{name: "task retriable", in: sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Retry":[{"ErrorEquals":["X"]},{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"BackoffRate":2,"MaxAttempts":5}],"End":true}`),
			Input:      aws.String(`{}`), RoleArn: aws.String(role),
			StateConfiguration: &types.TestStateConfiguration{RetrierRetryCount: aws.Int32(4)},
			Mock:               &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("E"), Cause: aws.String("C")}}},
			fields: fields(`{}`, `{}`, `{"FunctionName":"f"}`, "", "", ""),
			errs:   &types.InspectionErrorDetails{RetryIndex: aws.Int32(1), RetryBackoffIntervalSeconds: aws.Int32(16)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.in.InspectionLevel = types.InspectionLevelDebug
			out, err := c.TestState(ctx, &tc.in)
			if err != nil {
				t.Fatal(err)
			}
			d := out.InspectionData
			if d == nil {
				t.Fatal("no inspection data")
			}
			for _, f := range tc.fields {
				if f.want == "" {
					if g := f.got(d); g != nil {
						t.Errorf("%s = %s, want none", f.name, *g)
					}
					continue
				}
				sameJSON(t, f.name, f.got(d), f.want)
			}
			if !reflect.DeepEqual(d.ErrorDetails, tc.errs) {
				t.Errorf("errorDetails %+v, want %+v", d.ErrorDetails, tc.errs)
			}
		})
	}
}

func TestTestStateJSONataInspection(t *testing.T) {
	c := newServer(t)
	out, err := c.TestState(context.Background(), &sfn.TestStateInput{
		Definition: aws.String(`{"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke","Arguments":{"FunctionName":"foo","Payload":"{% $states.input.v %}"},"Assign":{"seen":"{% $states.result.ok %}"},"Output":"{% $states.result %}","Next":"Check"}`),
		Input:      aws.String(`{"v":"bar"}`), RoleArn: aws.String(role), InspectionLevel: types.InspectionLevelTrace,
		Variables: aws.String(`{"before":1}`),
		Mock:      &types.MockInput{Result: aws.String(`{"ok":true}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.TestExecutionStatusSucceeded || aws.ToString(out.NextState) != "Check" {
		t.Fatalf("status %s next %q", out.Status, aws.ToString(out.NextState))
	}
	sameJSON(t, "output", out.Output, `{"ok":true}`)
	d := out.InspectionData
	sameJSON(t, "input", d.Input, `{"v":"bar"}`)
	sameJSON(t, "afterArguments", d.AfterArguments, `{"FunctionName":"foo","Payload":"bar"}`)
	sameJSON(t, "result", d.Result, `{"ok":true}`)
	sameJSON(t, "variables", d.Variables, `{"before":1,"seen":true}`)
	if d.AfterInputPath != nil || d.AfterParameters != nil {
		t.Errorf("JSONPath fields in a JSONata state's inspection data: %+v", d)
	}
}

func TestTestStateErrors(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	task := `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}`
	mockResult := &types.MockInput{Result: aws.String(`{}`)}
	cases := []struct {
		name    string
		in      sfn.TestStateInput
		code    string
		message string
	}{
		{"mock on a Pass state", sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`), Mock: mockResult},
			"ValidationException", "State type 'Pass' is not supported when a mock is specified"},
		{"mock error on a Fail state", sfn.TestStateInput{Definition: aws.String(`{"Type":"Fail"}`),
			Mock: &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String("E")}}},
			"ValidationException", "State type 'Fail' is not supported when a mock is specified"},
		{"both result and error", sfn.TestStateInput{Definition: aws.String(task), RoleArn: aws.String(role),
			Mock: &types.MockInput{Result: aws.String(`{}`), ErrorOutput: &types.MockErrorOutput{Error: aws.String("E")}}},
			"ValidationException", "A test mock should have only one of the following fields: [result, errorOutput]."},
		{"reveal secrets with a mock", sfn.TestStateInput{Definition: aws.String(task), RoleArn: aws.String(role), RevealSecrets: true, Mock: mockResult},
			"ValidationException", "TestState does not support RevealSecrets when a mock is specified."},
		{"map without a mock", sfn.TestStateInput{Definition: aws.String(`{"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true}`)},
			"InvalidDefinition", "TestState API does not support Map or Parallel states. Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"},
		{"parallel mock not an array", sfn.TestStateInput{Definition: aws.String(`{"Type":"Parallel","Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}],"End":true}`), Mock: mockResult},
			"ValidationException", "Mocked result must be an array."},
		{"parallel mock of the wrong size", sfn.TestStateInput{Definition: aws.String(`{"Type":"Parallel","Branches":[{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}],"End":true}`),
			Mock: &types.MockInput{Result: aws.String(`[1,2]`)}},
			"ValidationException", "Mocked result must contain the same number of items as number of Parallel branches."},
		{"parallel without branches", sfn.TestStateInput{Definition: aws.String(`{"Type":"Parallel","Branches":[],"End":true}`), Mock: &types.MockInput{Result: aws.String(`[]`)}},
			"InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: Value cannot be empty at /States/StateName/Branches'"},
		{"task without a role", sfn.TestStateInput{Definition: aws.String(task)},
			"ValidationException", "RoleArn must be specified when testing a Task state"},
		{"mock result not JSON", sfn.TestStateInput{Definition: aws.String(task), RoleArn: aws.String(role), Mock: &types.MockInput{Result: aws.String(`{nope`)}},
			"ValidationException", "Mocked result must be valid JSON"},
		{"state not found", sfn.TestStateInput{Definition: aws.String(`{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`), StateName: aws.String("dne")},
			"ValidationException", "State not found in definition"},
		{"invalid state type", sfn.TestStateInput{Definition: aws.String(`{"StartAt":"ExistingButInvalidState","States":{"ExistingButInvalidState":{"Type":"Nope","End":true}}}`), StateName: aws.String("ExistingButInvalidState")},
			"InvalidDefinition", "Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED: The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, Choice, Parallel, Map] at /States/ExistingButInvalidState/Type'"},
		{"map iteration failure count without a mock", sfn.TestStateInput{Definition: aws.String(`{"Type":"Pass","End":true}`),
			StateConfiguration: &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(1)}},
			"ValidationException", "TestState does not support MapIterationFailureCount when a mock is not specified."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.TestState(ctx, &tc.in)
			var ae smithy.APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err %v, want %s", err, tc.code)
			}
			if ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.message {
				t.Errorf("got %s: %s\nwant %s: %s", ae.ErrorCode(), ae.ErrorMessage(), tc.code, tc.message)
			}
		})
	}
}

func TestTestStateMachineAndContext(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	t.Run("a state inside a Map's item processor", func(t *testing.T) {
		def := `{"StartAt":"State0","States":{"State0":{"Type":"Map","ItemsPath":"$.Values","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"HandleItem","States":{"HandleItem":{"Type":"Pass","End":true}}},"ToleratedFailureCount":2,"End":true}}}`
		out, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(def), StateName: aws.String("HandleItem"),
			Input: aws.String(`{"Value":"HelloWorld"}`), InspectionLevel: types.InspectionLevelDebug})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.TestExecutionStatusSucceeded || out.NextState != nil {
			t.Fatalf("status %s next %v", out.Status, out.NextState)
		}
		sameJSON(t, "output", out.Output, `{"Value":"HelloWorld"}`)
		sameJSON(t, "afterParameters", out.InspectionData.AfterParameters, `{"Value":"HelloWorld"}`)
		sameJSON(t, "afterResultPath", out.InspectionData.AfterResultPath, `{"Value":"HelloWorld"}`)
	})
	t.Run("the Context object", func(t *testing.T) {
		out, err := c.TestState(ctx, &sfn.TestStateInput{
			Definition: aws.String(`{"Type":"Pass","Parameters":{"ctx.$":"$$.Execution.Input","name.$":"$$.State.Name","id.$":"$$.Execution.Id","in.$":"$"},"End":true}`),
			Input:      aws.String(`{"b":2}`),
			Context:    aws.String(`{"Execution":{"Id":"arn:aws:states:::execution:MyStateMachine:execution-name-12345","Input":{"a":1},"Name":"execution-name-12345"},"State":{"Name":"MyTaskState"}}`),
		})
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, "output", out.Output, `{"ctx":{"a":1},"name":"MyTaskState","id":"arn:aws:states:::execution:MyStateMachine:execution-name-12345","in":{"b":2}}`)
	})
	for _, tc := range []struct{ name, context, definition, message string }{
		{"map", `{"Map":{}}`, `{"Type":"Pass","End":true}`, "Invalid Context object provided: 'Map' field is not supported when mocking a Context object"},
		{"unknown section", `{"Pokedex":{}}`, `{"Type":"Pass","End":true}`, "Invalid Context object provided: Field 'Pokedex' is not allowed"},
		{"unknown field", `{"Execution":{"pokemon":1}}`, `{"Type":"Pass","End":true}`, "Invalid Context object provided: Field 'pokemon' is not allowed"},
		{"id type", `{"Execution":{"Id":1}}`, `{"Type":"Pass","End":true}`, "Invalid Context object provided: Execution.Id must be a string"},
		{"task token without a callback", `{"Task":{"Token":"abc"}}`, `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}`,
			"Invalid Context object provided: Context object contains 'Task' when state is not a Task state with a '.sync' or '.waitForTaskToken' service integration pattern"},
	} {
		t.Run("invalid "+tc.name, func(t *testing.T) {
			_, err := c.TestState(ctx, &sfn.TestStateInput{Definition: aws.String(tc.definition), Context: aws.String(tc.context), RoleArn: aws.String(role)})
			var ae smithy.APIError
			if !errors.As(err, &ae) || ae.ErrorCode() != "ValidationException" || ae.ErrorMessage() != tc.message {
				t.Fatalf("err %v, want ValidationException: %s", err, tc.message)
			}
		})
	}
}

func TestTestStateMockedMap(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	mapState := func(extra string) *string {
		return aws.String(`{"Type":"Map","ItemsPath":"$.Values","ToleratedFailureCount":1,"MaxConcurrency":1,"ResultPath":"$.r","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}` + extra + `}`)
	}
	run := func(def *string, failures int32) *sfn.TestStateOutput {
		t.Helper()
		in := &sfn.TestStateInput{Definition: def, Input: aws.String(`{"Values":["first","second","third"]}`),
			InspectionLevel: types.InspectionLevelDebug, Mock: &types.MockInput{Result: aws.String(`[1,1,1]`)}}
		if failures > 0 {
			in.StateConfiguration = &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(failures)}
		}
		out, err := c.TestState(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	out := run(mapState(`,"End":true`), 1)
	if out.Status != types.TestExecutionStatusSucceeded {
		t.Fatalf("status %s (%s)", out.Status, aws.ToString(out.Error))
	}
	sameJSON(t, "output", out.Output, `{"Values":["first","second","third"],"r":[1,1,1]}`)
	d := out.InspectionData
	sameJSON(t, "afterItemsPath", d.AfterItemsPath, `["first","second","third"]`)
	if aws.ToInt32(d.MaxConcurrency) != 1 || aws.ToInt32(d.ToleratedFailureCount) != 1 {
		t.Errorf("maxConcurrency %v toleratedFailureCount %v", d.MaxConcurrency, d.ToleratedFailureCount)
	}

	out = run(mapState(`,"Catch":[{"ErrorEquals":["States.ALL"],"Next":"HandleThreshold"}],"End":true`), 2)
	if out.Status != types.TestExecutionStatusCaughtError || aws.ToString(out.NextState) != "HandleThreshold" ||
		aws.ToString(out.Error) != "States.ExceedToleratedFailureThreshold" || aws.ToString(out.Cause) != "The specified tolerated failure threshold was exceeded" {
		t.Errorf("caught: %s %q %q %q", out.Status, aws.ToString(out.NextState), aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	out = run(mapState(`,"Retry":[{"ErrorEquals":["Other"]},{"ErrorEquals":["States.ExceedToleratedFailureThreshold"]}],"End":true`), 2)
	if out.Status != types.TestExecutionStatusRetriable || aws.ToInt32(out.InspectionData.ErrorDetails.RetryIndex) != 1 ||
		aws.ToInt32(out.InspectionData.ErrorDetails.RetryBackoffIntervalSeconds) != 1 {
		t.Errorf("retriable: %s %+v", out.Status, out.InspectionData.ErrorDetails)
	}
	_, err := c.TestState(ctx, &sfn.TestStateInput{Definition: mapState(`,"End":true`), Input: aws.String(`{"Values":[]}`),
		Mock: &types.MockInput{Result: aws.String(`[1]`)}, StateConfiguration: &types.TestStateConfiguration{MapIterationFailureCount: aws.Int32(2)}})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorMessage() != "Map iteration failure count must be less than or equal to the number of Map iterations" {
		t.Errorf("failure count above the items: %v", err)
	}
}

// TestTestStateRecordedJSONataCatch replays AWS's recording test_state_task_catch_error[DEBUG]
// (localstack's BASE_TASK_STATE_CATCH template).
func TestTestStateRecordedJSONataCatch(t *testing.T) {
	c := newServer(t)
	def := `{"Comment":"BASE_TASK_STATE_CATCH","QueryLanguage":"JSONata","Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Arguments":{"FunctionName":"foo","Payload":"bar"},
		"Catch":[{"ErrorEquals":["MockException"],"Output":"{% $states %}","Next":"HandleMockError"},
		         {"ErrorEquals":["States.TaskFailed"],"Output":"{% $states %}","Next":"HandleThreshold"}],"End":true}`
	for i, tc := range []struct{ err, cause, next string }{
		{"MockException", "Mock the cause of the error.", "HandleMockError"},
		{"States.TaskFailed", "The task failed.", "HandleThreshold"},
	} {
		out, err := c.TestState(context.Background(), &sfn.TestStateInput{Definition: aws.String(def), RoleArn: aws.String(role),
			Input: aws.String(`{"Value":"HelloWorld"}`), InspectionLevel: types.InspectionLevelDebug,
			Mock: &types.MockInput{ErrorOutput: &types.MockErrorOutput{Error: aws.String(tc.err), Cause: aws.String(tc.cause)}}})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.TestExecutionStatusCaughtError || aws.ToString(out.NextState) != tc.next ||
			aws.ToString(out.Error) != tc.err || aws.ToString(out.Cause) != tc.cause {
			t.Fatalf("%s %q %q %q", out.Status, aws.ToString(out.NextState), aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		var o struct {
			Input       any            `json:"input"`
			Context     map[string]any `json:"context"`
			ErrorOutput any            `json:"errorOutput"`
		}
		if err := json.Unmarshal([]byte(aws.ToString(out.Output)), &o); err != nil {
			t.Fatal(err)
		}
		want := map[string]any{"Error": tc.err, "Cause": tc.cause}
		if !reflect.DeepEqual(o.ErrorOutput, want) || !reflect.DeepEqual(o.Input, map[string]any{"Value": "HelloWorld"}) || o.Context["State"] == nil {
			t.Errorf("output %s", aws.ToString(out.Output))
		}
		d := out.InspectionData
		sameJSON(t, "input", d.Input, `{"Value":"HelloWorld"}`)
		sameJSON(t, "afterArguments", d.AfterArguments, `{"FunctionName":"foo","Payload":"bar"}`)
		if d.ErrorDetails == nil || aws.ToInt32(d.ErrorDetails.CatchIndex) != int32(i) || d.Result != nil || d.AfterInputPath != nil {
			t.Errorf("inspection data %+v", d)
		}
	}
}
