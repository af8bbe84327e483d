package api_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/integration/mock"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// newMockServer serves with AWS's example mock file (integration/mock/testdata) in front of
// an integration that echoes its parameters.
func newMockServer(t *testing.T) *sfn.Client {
	t.Helper()
	ctx := context.Background()
	cfg, err := mock.Load(filepath.Join("..", "integration", "mock", "testdata", "lambda_sqs_integration.json5"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	real := runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
		return `{"real":` + t.Parameters + `}`, nil
	})
	mocks := &mock.Handler{Config: cfg, Next: real}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: mocks,
		LeaseTTL: time.Second, Poll: 50 * time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { node.Run(runCtx); close(done) }()
	srv := httptest.NewServer(&api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Tasks: mocks, Mocks: mocks})
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return sfn.New(sfn.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{noHostPrefix}})
}

func TestMockedIntegrations(t *testing.T) {
	c := newMockServer(t)
	ctx := context.Background()
	// The state machine of AWS's mock example, with a retrier for the mocked Lambda errors.
	def := `{"StartAt":"LambdaState","States":{
		"LambdaState":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},
			"Retry":[{"ErrorEquals":["Lambda.ResourceNotReadyException","Lambda.TimeoutException"],"IntervalSeconds":1,"BackoffRate":1,"MaxAttempts":3}],
			"ResultSelector":{"body.$":"$.Payload.body"},"Next":"SQSState"},
		"SQSState":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage","Parameters":{"QueueUrl":"q","MessageBody.$":"$.body"},"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("LambdaSQSIntegration"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	run := func(t *testing.T, testCase string) (*sfn.DescribeExecutionOutput, []string) {
		t.Helper()
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(aws.ToString(sm.StateMachineArn) + "#" + testCase), Input: aws.String(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		out := waitDone(t, c, start.ExecutionArn)
		names, _ := historyOf(t, c, start.ExecutionArn)
		return out, names
	}

	t.Run("HappyPath", func(t *testing.T) {
		out, _ := run(t, "HappyPath")
		if want := `{"MD5OfMessageBody":"3bcb6e8e-7h85-4375-b0bc-1a59812c6e51","MessageId":"3bcb6e8e-8b51-4375-b0bc-1a59812c6e51"}`; out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != want {
			t.Errorf("status %s output %s error %s %s", out.Status, aws.ToString(out.Output), aws.ToString(out.Error), aws.ToString(out.Cause))
		}
	})
	t.Run("RetryPath", func(t *testing.T) {
		out, names := run(t, "RetryPath")
		if out.Status != types.ExecutionStatusSucceeded {
			t.Fatalf("status %s error %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
		}
		failed := 0
		for _, n := range names {
			if n == "TaskFailed" {
				failed++
			}
		}
		if failed != 3 {
			t.Errorf("%d TaskFailed events, want 3 (invocations 0, 1-2 throw): %v", failed, names)
		}
	})
	t.Run("HybridPath", func(t *testing.T) {
		// SQSState is not mocked in this test case: it runs for real.
		out, _ := run(t, "HybridPath")
		if want := `{"real":{"QueueUrl":"q","MessageBody":"Hello from Lambda!"}}`; out.Status != types.ExecutionStatusSucceeded || aws.ToString(out.Output) != want {
			t.Errorf("status %s output %s", out.Status, aws.ToString(out.Output))
		}
	})
	t.Run("no test case", func(t *testing.T) {
		// Without "#TestCase" nothing is mocked.
		start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		out := waitDone(t, c, start.ExecutionArn)
		names, _ := historyOf(t, c, start.ExecutionArn)
		// The real integration's result has no Payload.body: ResultSelector fails the state.
		if out.Status != types.ExecutionStatusFailed || len(names) != 6 || names[4] != "TaskSucceeded" {
			t.Errorf("status %s output %s history %v", out.Status, aws.ToString(out.Output), names)
		}
	})
	t.Run("unknown test case", func(t *testing.T) {
		_, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(aws.ToString(sm.StateMachineArn) + "#Nope")})
		var invalid *types.InvalidArn
		if !errors.As(err, &invalid) {
			t.Errorf("StartExecution on an unknown test case: %v", err)
		}
	})
}

func TestMockedCallback(t *testing.T) {
	c := newMockServer(t)
	ctx := context.Background()
	// A mocked .waitForTaskToken task answers at once, as in Step Functions Local, after a
	// TaskSubmitted as on AWS; the machine reuses the example file's name and test case
	// (LambdaState is mocked).
	def := `{"StartAt":"LambdaState","States":{"LambdaState":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
		"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("LambdaSQSIntegration"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: aws.String(aws.ToString(sm.StateMachineArn) + "#HybridPath")})
	if err != nil {
		t.Fatal(err)
	}
	out := waitDone(t, c, start.ExecutionArn)
	names, _ := historyOf(t, c, start.ExecutionArn)
	if out.Status != types.ExecutionStatusSucceeded || !sameTypes(names, "ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded") {
		t.Errorf("status %s output %s history %v", out.Status, aws.ToString(out.Output), names)
	}
}

// StartSyncExecution on "<arn>#<TestCase>" runs the Express execution on the test case's
// mocks, as StartExecution does; without it the tasks run for real.
func TestMockedSyncExecution(t *testing.T) {
	c := newMockServer(t)
	ctx := context.Background()
	def := `{"StartAt":"LambdaState","States":{"LambdaState":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("LambdaSQSIntegration"), Definition: aws.String(def),
		RoleArn: aws.String(role), Type: types.StateMachineTypeExpress})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(aws.ToString(sm.StateMachineArn) + "#HappyPath"), Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"StatusCode":200,"body":"Hello from Lambda!"}`; out.Status != types.SyncExecutionStatusSucceeded || aws.ToString(out.Output) != want {
		t.Errorf("mocked: %s %s %s", out.Status, aws.ToString(out.Output), aws.ToString(out.Cause))
	}
	out, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Output) == `{"StatusCode":200,"body":"Hello from Lambda!"}` {
		t.Errorf("unmocked: the mock answered: %s", aws.ToString(out.Output))
	}
	if _, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: aws.String(aws.ToString(sm.StateMachineArn) + "#Nope")}); err == nil {
		t.Error("StartSyncExecution on an unknown test case succeeded")
	}
}
