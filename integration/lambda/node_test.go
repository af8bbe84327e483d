package lambda_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/integration/lambda"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

const lambdaMachine = `{"StartAt":"Invoke","States":{
	"Invoke":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"fn","Payload":{"value.$":"$.n"}},
		"ResultSelector":{"v.$":"$.Payload.value","status.$":"$.StatusCode"},"ResultPath":"$.invoked","Next":"Arn"},
	"Arn":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:fn",
		"Parameters":{"value.$":"$.invoked.v"},"ResultSelector":{"v.$":"$.value"},"ResultPath":"$.arn","Next":"Fails"},
	"Fails":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"fn","Payload":{"action":"custom","message":"declined"}},
		"Catch":[{"ErrorEquals":["CustomError"],"ResultPath":"$.caught","Next":"Done"}],"End":true},
	"Done":{"Type":"Succeed"}}}`

// startNode runs a runner.Node whose tasks go to rt, with one state machine.
func startNode(t *testing.T, rt *lambda.Runtime, def string) (*runner.Node, *store.StateMachine) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:lambda", Name: "lambda", Type: "STANDARD",
		Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: rt, Poll: 50 * time.Millisecond})
	runCtx, cancel := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		node.Run(runCtx)
		close(stopped)
	}()
	t.Cleanup(func() {
		cancel()
		<-stopped
		st.Close()
	})
	return node, sm
}

// TestStateMachineInvokesRealFunction runs a state machine on a runner.Node whose tasks go
// to the Runtime: the real aws-lambda-go function serves both resource forms, and a function
// error is caught by its errorType.
func TestStateMachineInvokesRealFunction(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, lambda.Spec{})
	node, sm := startNode(t, rt, lambdaMachine)
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e1", Input: `{"n":7}`})
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 15*time.Second)
	defer stop()
	done, err := node.WaitEnded(waitCtx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "SUCCEEDED" {
		t.Fatalf("%s: %v %v", done.Status, *done.Error, *done.Cause)
	}
	var out struct {
		Invoked map[string]any `json:"invoked"`
		Arn     map[string]any `json:"arn"`
		Caught  map[string]any `json:"caught"`
	}
	if err := json.Unmarshal([]byte(*done.Output), &out); err != nil {
		t.Fatal(err)
	}
	if out.Invoked["v"] != float64(7) || out.Invoked["status"] != float64(200) || out.Arn["v"] != float64(7) {
		t.Errorf("output %s", *done.Output)
	}
	if out.Caught["Error"] != "CustomError" || out.Caught["Cause"] != `{"errorMessage":"declined","errorType":"CustomError"}` {
		t.Errorf("caught %v", out.Caught)
	}
	evs, err := node.History(ctx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	want := "ExecutionStarted " +
		"TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited " +
		"TaskStateEntered LambdaFunctionScheduled LambdaFunctionStarted LambdaFunctionSucceeded TaskStateExited " +
		"TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskStateExited " +
		"SucceedStateEntered SucceedStateExited ExecutionSucceeded"
	if got := strings.Join(types, " "); got != want {
		t.Errorf("history\n got %s\nwant %s", got, want)
	}
	if s := rt.Stats("fn"); s.Starts != 1 || s.Invocations != 3 {
		t.Errorf("stats %+v: three tasks in a row should share one warm process", s)
	}
}

// TestWaitForTaskToken: the invoke's response is recorded as TaskSubmitted, and the task
// ends with the callback.
func TestWaitForTaskToken(t *testing.T) {
	ctx := context.Background()
	rt := newRuntime(t, lambda.Spec{})
	node, sm := startNode(t, rt, `{"StartAt":"Callback","States":{
		"Callback":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters":{"FunctionName":"fn","Payload":{"value.$":"$$.Task.Token"}},"End":true}}}`)
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "cb", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	token := ""
	for deadline := time.Now().Add(10 * time.Second); token == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		evs, err := node.History(ctx, ex.Arn)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range evs {
			if d, ok := e.Details.(*history.TaskOutput); ok && e.Type == "TaskSubmitted" {
				var res struct {
					StatusCode int
					Payload    echo
				}
				if err := json.Unmarshal([]byte(d.Output), &res); err != nil || res.StatusCode != 200 {
					t.Fatalf("TaskSubmitted output %s", d.Output)
				}
				token, _ = res.Payload.Value.(string)
			}
		}
	}
	if token == "" {
		t.Fatal("no TaskSubmitted with the token")
	}
	if err := node.Answer(ctx, token, engine.Event{Kind: engine.TaskSucceeded, Output: `{"approved":true}`, Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	done, err := node.WaitEnded(waitCtx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "SUCCEEDED" || *done.Output != `{"approved":true}` {
		t.Errorf("%s %v", done.Status, done.Output)
	}
	evs, _ := node.History(ctx, ex.Arn)
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, " "); got != "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited ExecutionSucceeded" {
		t.Errorf("history %s", got)
	}
}
