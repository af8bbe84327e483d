package api_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// newServer starts Stepwise on a loopback port with a fresh SQLite store and returns a client
// of the official AWS SDK for Go pointed at it.
func newServer(t *testing.T) *sfn.Client {
	t.Helper()
	c, _ := newServerTasks(t, runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
		return `{"StatusCode":200,"Payload":{"echo":` + t.Parameters + `}}`, nil
	}))
	return c
}

// newServerTasks is newServer with its tasks run by tasks; it returns the server's URL too.
func newServerTasks(t *testing.T, tasks runner.TaskHandler) (*sfn.Client, string) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: tasks,
		LeaseTTL: time.Second, Poll: 50 * time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { node.Run(runCtx); close(done) }()
	srv := httptest.NewServer(&api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Tasks: tasks})
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		st.Close()
	})
	return sfn.New(sfn.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  aws.AnonymousCredentials{},
		APIOptions:   []func(*middleware.Stack) error{noHostPrefix},
	}), srv.URL
}

// noHostPrefix stops the SDK from sending StartSyncExecution to "sync-<host>", which only
// resolves on AWS's own domain; docs/api.md tells users to do the same.
func noHostPrefix(stack *middleware.Stack) error {
	return stack.Initialize.Add(middleware.InitializeMiddlewareFunc("StepwiseNoHostPrefix",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			return next.HandleInitialize(smithyhttp.DisableEndpointHostPrefix(ctx, true), in)
		}), middleware.Before)
}

const role = "arn:aws:iam::123456789012:role/stepwise"

func TestStandardExecutionThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	def := `{"StartAt":"Greet","States":{
		"Greet":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('Hello, {}!', $.name)"},"Next":"Work"},
		"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("hello"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToString(sm.StateMachineArn), "arn:aws:states:us-east-1:123456789012:stateMachine:hello"; got != want {
		t.Fatalf("arn %s, want %s", got, want)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("run-1"), Input: aws.String(`{"name":"Ada"}`)})
	if err != nil {
		t.Fatal(err)
	}
	// The same name and input again is the same execution; other input is an error.
	again, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("run-1"), Input: aws.String(`{"name":"Ada"}`)})
	if err == nil && aws.ToString(again.ExecutionArn) != aws.ToString(start.ExecutionArn) {
		t.Errorf("idempotent start returned %s", aws.ToString(again.ExecutionArn))
	}
	var out *sfn.DescribeExecutionOutput
	deadline := time.Now().Add(5 * time.Second)
	for {
		out, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.ExecutionStatusRunning || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("status %s: %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	if got, want := aws.ToString(out.Output), `{"echo":{"FunctionName":"f","Payload":{"greeting":"Hello, Ada!"}}}`; got != want {
		t.Errorf("output %s, want %s", got, want)
	}
	if out.StartDate == nil || out.StopDate == nil || out.StopDate.Before(*out.StartDate) {
		t.Errorf("dates %v %v", out.StartDate, out.StopDate)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Name: aws.String("run-1"), Input: aws.String(`{"name":"Bob"}`)})
	var exists *types.ExecutionAlreadyExists
	if !errors.As(err, &exists) {
		t.Errorf("reusing a name with other input: %v", err)
	}

	// History, in pages, both ways.
	var types1 []string
	var token *string
	for {
		h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, MaxResults: 3, NextToken: token})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range h.Events {
			types1 = append(types1, string(e.Type))
		}
		if token = h.NextToken; token == nil {
			break
		}
	}
	want := "ExecutionStarted PassStateEntered PassStateExited TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"
	if got := strings.Join(types1, " "); got != want {
		t.Errorf("history\n got %s\nwant %s", got, want)
	}
	rev, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, ReverseOrder: true, MaxResults: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rev.Events) != 2 || rev.Events[0].Type != types.HistoryEventTypeExecutionSucceeded || rev.Events[0].Id != 9 {
		t.Errorf("reverse history starts %+v", rev.Events)
	}

	list, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusSucceeded})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Executions) != 1 || aws.ToString(list.Executions[0].Name) != "run-1" {
		t.Errorf("list %+v", list.Executions)
	}
}

func TestErrorsAreAWSShaped(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	_, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("bad"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"pass1","States":{"pass1":{"Type":"Pass","Next":"pass3"},"pass2":{"Type":"Pass","End":true}}}`)})
	var invalid *types.InvalidDefinition
	if !errors.As(err, &invalid) || !strings.Contains(invalid.ErrorMessage(), "MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at /States/pass1/Next") {
		t.Errorf("invalid definition: %v", err)
	}
	_, err = c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("has space"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	var badName *types.InvalidName
	if !errors.As(err, &badName) {
		t.Errorf("invalid name: %v", err)
	}
	_, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: aws.String("arn:aws:states:us-east-1:123456789012:execution:nope:nope")})
	var missing *types.ExecutionDoesNotExist
	if !errors.As(err, &missing) {
		t.Errorf("missing execution: %v", err)
	}
	_, err = c.DescribeStateMachine(ctx, &sfn.DescribeStateMachineInput{StateMachineArn: aws.String("not-an-arn")})
	var badArn *types.InvalidArn
	if !errors.As(err, &badArn) || badArn.ErrorMessage() != "Invalid Arn: 'Invalid ARN prefix: not-an-arn'" {
		t.Errorf("invalid arn: %v", err)
	}
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("ok"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(`{not json`)})
	var badInput *types.InvalidExecutionInput
	if !errors.As(err, &badInput) {
		t.Errorf("invalid input: %v", err)
	}
}

func TestCallbackStopAndExpress(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	def := `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":3600,"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("sleepy"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: start.ExecutionArn, Error: aws.String("Manual"), Cause: aws.String("enough")}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: start.ExecutionArn})
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != types.ExecutionStatusAborted || aws.ToString(d.Error) != "Manual" {
		t.Errorf("after stop: %s %s", d.Status, aws.ToString(d.Error))
	}

	express, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("fast"), Type: types.StateMachineTypeExpress, RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"sum.$":"States.MathAdd($.a, $.b)"},"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: express.StateMachineArn, Input: aws.String(`{"a":1,"b":2}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != types.SyncExecutionStatusSucceeded || aws.ToString(res.Output) != `{"sum":3}` {
		t.Errorf("sync execution: %s %s", res.Status, aws.ToString(res.Output))
	}
	if !strings.Contains(aws.ToString(res.ExecutionArn), ":express:fast:") {
		t.Errorf("express arn %s", aws.ToString(res.ExecutionArn))
	}
	_, err = c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn})
	var notSupported *types.StateMachineTypeNotSupported
	if !errors.As(err, &notSupported) {
		t.Errorf("sync start of a standard machine: %v", err)
	}
}

// TestStartSeesUpdateAtOnce: starts reuse a state machine read for a second (as AWS allows
// after UpdateStateMachine), but never across a change made through this server: the start
// after UpdateStateMachine or DeleteStateMachine sees it.
func TestStartSeesUpdateAtOnce(t *testing.T) {
	ctx := context.Background()
	c := newServer(t)
	def := func(v string) *string {
		return aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","Result":"` + v + `","End":true}}}`)
	}
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("cached"), Definition: def("v1"),
		RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Type: types.StateMachineTypeExpress})
	if err != nil {
		t.Fatal(err)
	}
	run := func() (string, error) {
		out, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.Output), nil
	}
	for _, v := range []string{"v1", "v2", "v3"} {
		if v != "v1" {
			if _, err := c.UpdateStateMachine(ctx, &sfn.UpdateStateMachineInput{StateMachineArn: sm.StateMachineArn, Definition: def(v)}); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if got, err := run(); err != nil || got != `"`+v+`"` {
				t.Fatalf("after update to %s: output %s, %v", v, got, err)
			}
		}
	}
	if _, err := c.DeleteStateMachine(ctx, &sfn.DeleteStateMachineInput{StateMachineArn: sm.StateMachineArn}); err != nil {
		t.Fatal(err)
	}
	var gone *types.StateMachineDoesNotExist
	if _, err := run(); !errors.As(err, &gone) {
		t.Fatalf("start after delete: %v, want StateMachineDoesNotExist", err)
	}
}

// TestStartSyncExecutionAsAWS: StartSyncExecution answers outputDetails whether or not the
// execution has an output, and its Context object has no Execution.RedriveCount, as AWS's
// (express/test_express_sync); StartExecution's Express executions have RedriveCount 0.
func TestStartSyncExecutionAsAWS(t *testing.T) {
	ctx := context.Background()
	c := newServer(t)
	create := func(name, def string) *string {
		sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Type: types.StateMachineTypeExpress,
			RoleArn: aws.String("arn:aws:iam::123456789012:role/r"), Definition: aws.String(def)})
		if err != nil {
			t.Fatal(err)
		}
		return sm.StateMachineArn
	}
	failed, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: create("fails", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if failed.Status != types.SyncExecutionStatusFailed || failed.Output != nil || failed.OutputDetails == nil || !failed.OutputDetails.Included {
		t.Errorf("failed sync execution: status %s, output %v, outputDetails %+v", failed.Status, failed.Output, failed.OutputDetails)
	}
	ok, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: create("ctx", `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"e.$":"$$.Execution"},"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out := aws.ToString(ok.Output); !strings.Contains(out, `"RoleArn"`) || strings.Contains(out, "RedriveCount") {
		t.Errorf("the Context object of a sync execution: %s", out)
	}
}

// A timed-out execution is described without error or cause, as AWS describes it; its
// history still says States.Timeout.
func TestDescribeTimedOutExecution(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	def := `{"TimeoutSeconds":1,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}`
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("slow"), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	start, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn})
	if err != nil {
		t.Fatal(err)
	}
	d := waitDone(t, c, start.ExecutionArn)
	if d.Status != "TIMED_OUT" || d.Error != nil || d.Cause != nil {
		t.Fatalf("status %s, error %v, cause %v", d.Status, aws.ToString(d.Error), aws.ToString(d.Cause))
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: start.ExecutionArn, ReverseOrder: true, MaxResults: 1})
	if err != nil {
		t.Fatal(err)
	}
	if e := h.Events[0]; e.Type != "ExecutionTimedOut" || aws.ToString(e.ExecutionTimedOutEventDetails.Error) != "States.Timeout" {
		t.Fatalf("last event %s", e.Type)
	}
}

// TestMultibyteInputUpToTheBound: an input just under 256 KiB of UTF-8 in fewer characters
// runs; one over it is a ValidationException (TestPayloadBytes), though it has fewer than
// 262,144 characters.
func TestMultibyteInputUpToTheBound(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("wide"), RoleArn: aws.String(role),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	in := `"` + strings.Repeat("€", 87000) + `"` // 261,002 bytes
	if _, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(in)}); err != nil {
		t.Fatalf("%d bytes: %v", len(in), err)
	}
	in = `"` + strings.Repeat("€", 88000) + `"` // 264,002 bytes, 88,002 characters
	_, err = c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(in)})
	if err == nil || !strings.Contains(err.Error(), "ValidationException") {
		t.Fatalf("%d bytes: %v, want ValidationException", len(in), err)
	}
}

// TestSyncExpressOutlivesItsCaller: a StartSyncExecution whose caller gives up waiting (its
// client timed out) runs on to its end, as AWS's does: its task after a Wait still runs.
func TestSyncExpressOutlivesItsCaller(t *testing.T) {
	called := make(chan struct{}, 1)
	c, _ := newServerTasks(t, runner.TaskFunc(func(ctx context.Context, tk *engine.Task) (string, error) {
		called <- struct{}{}
		return `{}`, nil
	}))
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("outlive"), RoleArn: aws.String(role),
		Type: "EXPRESS", Definition: aws.String(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"T"},
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`)})
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := c.StartSyncExecution(short, &sfn.StartSyncExecutionInput{StateMachineArn: sm.StateMachineArn}); err == nil {
		t.Fatal("the call answered within 200 ms; the execution waits 1 s")
	}
	select {
	case <-called:
	case <-time.After(10 * time.Second):
		t.Fatal("the execution stopped with its caller: its task never ran")
	}
}
