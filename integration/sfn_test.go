package integration_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

func machine(t *testing.T, st store.Store, name, def string) *store.StateMachine {
	t.Helper()
	now := time.Now().UTC()
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:" + name, Name: name, Type: "STANDARD",
		Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	return sm
}

// openStore opens a new SQLite store for a test, closed when it ends.
func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestParentStartsChild runs the seed's pattern: a parent's Task starts a child execution
// (.sync, .sync:2 and fire-and-forget), passing $$.Execution.Id so that the child is linked to
// its parent.
func TestParentStartsChild(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	machine(t, st, "child", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Parameters":{"doubled.$":"States.MathAdd($.n, $.n)"},"End":true}}}`)
	machine(t, st, "failing", `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Oops","Cause":"child failed"}}}`)
	parent := machine(t, st, "parent", `{"StartAt":"Sync","States":{
		"Sync":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child",
			"Input":{"n.$":"$.n","AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},
			"ResultSelector":{"out.$":"$.Output.doubled","status.$":"$.Status"},"ResultPath":"$.sync","Next":"Text"},
		"Text":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Input":{"n":5}},
			"ResultSelector":{"output.$":"$.Output"},"ResultPath":"$.text","Next":"Fire"},
		"Fire":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:startExecution","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:child","Name":"fired","Input":{"n":1}},
			"ResultPath":"$.fired","Next":"Fail"},
		"Fail":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:failing"},
			"Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.caught","Next":"Done"}],"End":true},
		"Done":{"Type":"Succeed"}}}`)
	done := runParent(t, st, parent, `{"n":21}`)
	var out struct {
		Sync   map[string]any `json:"sync"`
		Text   map[string]any `json:"text"`
		Fired  map[string]any `json:"fired"`
		Caught map[string]any `json:"caught"`
	}
	if err := json.Unmarshal([]byte(*done.Output), &out); err != nil {
		t.Fatal(err)
	}
	if out.Sync["out"] != float64(42) || out.Sync["status"] != "SUCCEEDED" {
		t.Errorf(".sync:2 result %v", out.Sync)
	}
	if out.Text["output"] != `{"doubled":10}` {
		t.Errorf(".sync result %v (want Output as JSON text)", out.Text)
	}
	if out.Fired["ExecutionArn"] != "arn:aws:states:us-east-1:123456789012:execution:child:fired" || out.Fired["SdkHttpMetadata"] != nil {
		t.Errorf("aws-sdk:sfn:startExecution result %v", out.Fired)
	}
	if out.Caught["Error"] != "States.TaskFailed" || !strings.Contains(out.Caught["Cause"].(string), `"Error":"Oops"`) {
		t.Errorf("failed child: %v", out.Caught)
	}
	children, _, err := st.ListExecutions(ctx, store.ExecutionFilter{ParentArn: done.Arn}, store.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(children) != 4 {
		t.Errorf("%d children linked to the parent, want 4", len(children))
	}
	evs, _ := st.History(ctx, done.Arn, 0, 100, false)
	var types []string
	for _, e := range evs[:8] {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, " "); got != "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSubmitted TaskSucceeded TaskStateExited TaskStateEntered" {
		t.Errorf("history starts %s", got)
	}
}

// TestStoppingParentStopsSyncChild: as AWS, stopping a parent whose .sync task waits for a
// child makes a best-effort attempt to stop the child.
func TestStoppingParentStopsSyncChild(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	machine(t, st, "sleeper", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`)
	parent := machine(t, st, "waiter", `{"StartAt":"Run","States":{"Run":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
		"Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:sleeper","Name":"kid"},"End":true}}}`)
	reg := &integration.Registry{Store: st}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: reg, Poll: 50 * time.Millisecond})
	reg.Execs = node
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go node.Run(runCtx)
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: parent, Name: "p", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	child := runner.ExecutionArn("arn:aws:states:us-east-1:123456789012:stateMachine:sleeper", "kid")
	for deadline := time.Now().Add(5 * time.Second); ; {
		if _, err := st.GetExecution(ctx, child); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the child never started")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := node.Stop(ctx, ex.Arn, "", "", false, false); err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 5*time.Second)
	defer stop()
	done, err := node.WaitEnded(waitCtx, child)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "ABORTED" {
		t.Errorf("child %s after its parent was stopped", done.Status)
	}
}

// TestSyncTaskToken: a .sync:2 task has a task token in $$.Task.Token, as on AWS, and may pass
// it to the child it starts.
func TestSyncTaskToken(t *testing.T) {
	st := openStore(t)
	machine(t, st, "echo", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	parent := machine(t, st, "parent", `{"StartAt":"Sync","States":{
		"Sync":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:echo",
			"Input":{"token.$":"$$.Task.Token"}},"OutputPath":"$.Output","End":true}}}`)
	done := runParent(t, st, parent, `{}`)
	var out struct{ Token string }
	if err := json.Unmarshal([]byte(*done.Output), &out); err != nil || out.Token == "" {
		t.Errorf("the child's input had no token: %s", *done.Output)
	}
}

// runParent runs an execution of parent on a node whose Registry runs Step Functions' own
// integration, and returns it ended, SUCCEEDED.
func runParent(t *testing.T, st store.Store, parent *store.StateMachine, input string) *store.Execution {
	t.Helper()
	ctx := context.Background()
	reg := &integration.Registry{Store: st}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: reg, Poll: 50 * time.Millisecond})
	reg.Execs = node
	runCtx, cancel := context.WithCancel(ctx)
	t.Cleanup(cancel)
	go node.Run(runCtx)
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: parent, Name: "p1", Input: input})
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
		t.Fatalf("parent %s: %v %v", done.Status, *done.Error, *done.Cause)
	}
	return done
}

// TestStartExecutionTraceHeader: a startExecution task's TraceHeader is the child's
// traceHeader, as StartExecution's; one the API's constraints refuse fails the task with the
// API's ValidationException, caught here by the aws-sdk integration's name for it.
func TestStartExecutionTraceHeader(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	const header = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
	machine(t, st, "echo", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	parent := machine(t, st, "parent", `{"StartAt":"Sync","States":{
		"Sync":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:echo","Name":"kid",
			"TraceHeader":"`+header+`"},"ResultPath":null,"Next":"Bad"},
		"Bad":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:startExecution","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:echo","TraceHeader":"Root=é"},
			"Catch":[{"ErrorEquals":["Sfn.ValidationException"],"ResultPath":"$.caught","Next":"Done"}],"End":true},
		"Done":{"Type":"Pass","OutputPath":"$.caught","End":true}}}`)
	done := runParent(t, st, parent, `{}`)
	child, err := st.GetExecution(ctx, runner.ExecutionArn("arn:aws:states:us-east-1:123456789012:stateMachine:echo", "kid"))
	if err != nil {
		t.Fatal(err)
	}
	if child.TraceHeader != header {
		t.Errorf("the child's traceHeader is %q, want %q", child.TraceHeader, header)
	}
	var caught struct{ Cause string }
	_ = json.Unmarshal([]byte(*done.Output), &caught)
	if !strings.HasPrefix(caught.Cause, `1 validation error detected: Value 'Root=é' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \p{ASCII}*`) {
		t.Errorf("caught %s", *done.Output)
	}
}

// TestStartExecutionRequest: a startExecution task's request is checked as StartExecution
// checks one: the lengths of its Name and TraceHeader first, together (ValidationException),
// then the name's characters (InvalidName) and the input's syntax (InvalidExecutionInput, in
// Jackson's words); a refused request starts no child.
func TestStartExecutionRequest(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	machine(t, st, "echo", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	long := strings.Repeat("n", 81)
	for i, c := range []struct{ resource, name, more, wantError, wantCause string }{
		{"states:startExecution", "a b", "", "StepFunctions.InvalidNameException", "Invalid Name: 'a b' (Service: AWSStepFunctions; Status Code: 400; Error Code: InvalidName;"},
		{"aws-sdk:sfn:startExecution", "x/y", "", "Sfn.InvalidNameException", "Invalid Name: 'x/y' (Service: Sfn, Status Code: 400,"},
		{"states:startExecution.sync:2", long, "", "StepFunctions.ValidationException",
			"1 validation error detected: Value '" + long + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80 (Service: AWSStepFunctions;"},
		{"states:startExecution", "", "", "StepFunctions.ValidationException",
			"1 validation error detected: Value '' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 1 (Service: AWSStepFunctions;"},
		{"states:startExecution", long, `,"TraceHeader":"Root=é"`, "StepFunctions.ValidationException",
			"2 validation errors detected: Value '" + long + "' at 'name' failed to satisfy constraint: Member must have length less than or equal to 80; " +
				"Value 'Root=é' at 'traceHeader' failed to satisfy constraint: Member must satisfy regular expression pattern: \\p{ASCII}*"},
		{"states:startExecution.sync", "bad-input", `,"Input":"hello {"`, "StepFunctions.InvalidExecutionInputException",
			"Invalid State Machine Execution Input: 'Unrecognized token 'hello': was expecting"},
		{"aws-sdk:sfn:startExecution", "blank-input", `,"Input":"  "`, "Sfn.InvalidExecutionInputException",
			"Invalid State Machine Execution Input: 'Invalid execution input.' (Service: Sfn, Status Code: 400,"},
		{"states:startExecution", "a b", `,"Input":"nope"`, "StepFunctions.InvalidNameException", "Invalid Name: 'a b'"}, // the name first
	} {
		parent := machine(t, st, fmt.Sprintf("parent%d", i), `{"StartAt":"Start","States":{
			"Start":{"Type":"Task","Resource":"arn:aws:states:::`+c.resource+`","Parameters":{
				"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:echo","Name":`+strconv.Quote(c.name)+c.more+`},
				"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Caught"}],"End":true},
			"Caught":{"Type":"Pass","End":true}}}`)
		done := runParent(t, st, parent, `{}`)
		var caught struct{ Error, Cause string }
		_ = json.Unmarshal([]byte(*done.Output), &caught)
		if caught.Error != c.wantError || !strings.HasPrefix(caught.Cause, c.wantCause) {
			t.Errorf("%s with Name %q%s: caught %+v, want %s: %s...", c.resource, c.name, c.more, caught, c.wantError, c.wantCause)
		}
		if _, err := st.GetExecution(ctx, runner.ExecutionArn("arn:aws:states:us-east-1:123456789012:stateMachine:echo", c.name)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Name %q: a child was stored (%v)", c.name, err)
		}
	}
}
