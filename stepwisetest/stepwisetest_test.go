package stepwisetest_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"

	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/stepwisetest"
)

const role = "arn:aws:iam::123456789012:role/test"

// start creates a state machine and starts an execution of it (on ARN#testCase when given).
func start(t *testing.T, c *sfn.Client, name, def, testCase string) string {
	t.Helper()
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), RoleArn: aws.String(role), Definition: aws.String(def)})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(sm.StateMachineArn)
	if testCase != "" {
		arn += "#" + testCase
	}
	run, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(arn), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(run.ExecutionArn)
}

// TestFunctions: a Go function's result, its error (named by its type, or by a
// *lambda.FunctionError) and its panic reach the state machine as Lambda reports them.
func TestFunctions(t *testing.T) {
	sw := stepwisetest.New(t,
		stepwisetest.Function("ok", func(ctx context.Context, event json.RawMessage) (any, error) {
			return json.RawMessage(`{"raw":true}`), nil
		}),
		stepwisetest.Function("declined", func(ctx context.Context, event json.RawMessage) (any, error) {
			return nil, &lambda.FunctionError{Type: "CardDeclined", Message: "insufficient funds"}
		}),
		stepwisetest.Function("broken", func(ctx context.Context, event json.RawMessage) (any, error) {
			panic("boom")
		}))
	c := sfn.NewFromConfig(sw.AWSConfig())
	for _, tc := range []struct{ fn, status, want string }{
		{"ok", "SUCCEEDED", `{"raw":true}`},
		{"declined", "SUCCEEDED", `"CardDeclined"`},
		{"broken", "FAILED", ""},
	} {
		t.Run(tc.fn, func(t *testing.T) {
			def := `{"StartAt":"Call","States":{
				"Call":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"` + tc.fn + `"},
					"OutputPath":"$.Payload","Catch":[{"ErrorEquals":["CardDeclined"],"ResultPath":"$.caught","Next":"Caught"}],"End":true},
				"Caught":{"Type":"Pass","OutputPath":"$.caught.Error","End":true}}}`
			out := sw.Wait(t, start(t, c, "fn-"+tc.fn, def, ""))
			if string(out.Status) != tc.status || (tc.want != "" && aws.ToString(out.Output) != tc.want) {
				t.Errorf("%s %s %s %s", out.Status, aws.ToString(out.Output), aws.ToString(out.Error), aws.ToString(out.Cause))
			}
			if tc.fn == "broken" && (aws.ToString(out.Error) != "string" || !strings.Contains(aws.ToString(out.Cause), "boom")) {
				t.Errorf("a panic: %s %s", aws.ToString(out.Error), aws.ToString(out.Cause))
			}
		})
	}
}

// TestMockConfig: executions started on ARN#TestCase get the mock file's responses.
func TestMockConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "mocks.json")
	if err := os.WriteFile(path, []byte(`{"StateMachines":{"pay":{"TestCases":{"Declined":{"Charge":"Declined"}}}},
		"MockedResponses":{"Declined":{"0":{"Throw":{"Error":"CardDeclined","Cause":"mocked"}}}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	sw := stepwisetest.New(t, stepwisetest.MockConfig(path))
	c := sfn.NewFromConfig(sw.AWSConfig())
	out := sw.Wait(t, start(t, c, "pay", `{"StartAt":"Charge","States":{"Charge":{"Type":"Task",
		"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"charge"},"End":true}}}`, "Declined"))
	if out.Status != "FAILED" || aws.ToString(out.Error) != "CardDeclined" || aws.ToString(out.Cause) != "mocked" {
		t.Errorf("%s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	if _, err := stepwisetest.Start(stepwisetest.MockConfig(filepath.Join(t.TempDir(), "missing.json"))); err == nil {
		t.Error("a missing mock file: no error")
	}
}

// TestTimeSkippingWaitsForCallbacks: on the virtual clock, a pending task token holds the
// clock (the execution's day-long timeout does not pass while the test reads the token), and
// the Wait after the answer passes at once.
func TestTimeSkippingWaitsForCallbacks(t *testing.T) {
	tokens := make(chan string, 1)
	sw := stepwisetest.New(t, stepwisetest.TimeSkipping(),
		stepwisetest.Function("ask", func(ctx context.Context, event json.RawMessage) (any, error) {
			var in struct{ Token string }
			err := json.Unmarshal(event, &in)
			tokens <- in.Token
			return nil, err
		}))
	c := sfn.NewFromConfig(sw.AWSConfig())
	began := time.Now()
	arn := start(t, c, "approve", `{"TimeoutSeconds":86400,"StartAt":"Ask","States":{
		"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters":{"FunctionName":"ask","Payload":{"Token.$":"$$.Task.Token"}},"Next":"Later"},
		"Later":{"Type":"Wait","Seconds":3600,"End":true}}}`, "")
	token := <-tokens
	time.Sleep(300 * time.Millisecond) // time enough for a wrongly skipping clock to time it out
	if _, err := c.SendTaskSuccess(context.Background(), &sfn.SendTaskSuccessInput{TaskToken: aws.String(token), Output: aws.String(`{"approved":true}`)}); err != nil {
		t.Fatal(err)
	}
	out := sw.Wait(t, arn)
	if out.Status != "SUCCEEDED" || aws.ToString(out.Output) != `{"approved":true}` {
		t.Fatalf("%s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Output))
	}
	if d := out.StopDate.Sub(*out.StartDate); d < time.Hour || time.Since(began) > 20*time.Second {
		t.Errorf("virtual %s, real %s", d, time.Since(began))
	}
	_, err := sw.WaitContext(context.Background(), "arn:aws:states:us-east-1:123456789012:execution:approve:nope")
	if err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("an unknown execution: %v", err)
	}
}
