package integration_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/runner"
)

// TestSDKCallsAnyAction: arn:aws:states:::aws-sdk:sfn:<action> runs any Step Functions action
// with PascalCase parameters and results, and fails with Sfn.<Exception>.
func TestSDKCallsAnyAction(t *testing.T) {
	ctx := context.Background()
	st := openStore(t)
	machine(t, st, "target", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`)
	caller := machine(t, st, "caller", `{"StartAt":"Describe","States":{
		"Describe":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:describeStateMachine",
			"Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:target"},
			"ResultSelector":{"name.$":"$.Name","type.$":"$.Type","created.$":"$.CreationDate"},"ResultPath":"$.described","Next":"Missing"},
		"Missing":{"Type":"Task","Resource":"arn:aws:states:::aws-sdk:sfn:describeExecution",
			"Parameters":{"ExecutionArn":"arn:aws:states:us-east-1:123456789012:execution:target:nope"},
			"Catch":[{"ErrorEquals":["Sfn.ExecutionDoesNotExistException"],"ResultPath":"$.caught","Next":"Done"}],"End":true},
		"Done":{"Type":"Succeed"}}}`)
	reg := &integration.Registry{Store: st}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: reg, Poll: 50 * time.Millisecond})
	reg.Execs = node
	srv := &api.Server{Store: st, Node: node, Region: "us-east-1", Account: "123456789012", Tasks: reg}
	reg.SFN = srv.Invoke
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go node.Run(runCtx)

	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: caller, Name: "c1", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	waitCtx, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	done, err := node.WaitEnded(waitCtx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != "SUCCEEDED" {
		t.Fatalf("%s: %s %s", done.Status, *done.Error, *done.Cause)
	}
	var out struct {
		Described map[string]string `json:"described"`
		Caught    map[string]string `json:"caught"`
	}
	if err := json.Unmarshal([]byte(*done.Output), &out); err != nil {
		t.Fatal(err)
	}
	if out.Described["name"] != "target" || out.Described["type"] != "STANDARD" {
		t.Errorf("describeStateMachine result %v", out.Described)
	}
	// Timestamps render as every aws-sdk task's do (an Instant's ISO 8601 text), not as the
	// API's epoch seconds.
	if _, err := time.Parse(time.RFC3339Nano, out.Described["created"]); err != nil || !strings.HasSuffix(out.Described["created"], "Z") {
		t.Errorf("CreationDate %q, want ISO 8601 text in UTC", out.Described["created"])
	}
	want := "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:target:nope' (Service: Sfn, Status Code: 400, Request ID: "
	if out.Caught["Error"] != "Sfn.ExecutionDoesNotExistException" || !strings.HasPrefix(out.Caught["Cause"], want) {
		t.Errorf("caught %v", out.Caught)
	}
}
