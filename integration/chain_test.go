package integration_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/integration"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// TestContinueAsNewChain runs the way AWS recommends past the history quota: an execution
// hands its state to a new execution of the same machine, again and again. The chain of
// 2,000 links (200 under the race detector) ends, and can be walked both ways from any link.
func TestContinueAsNewChain(t *testing.T) {
	links := 2000
	if raceEnabled {
		links = 200
	}
	ctx := context.Background()
	st := openStore(t)
	sm := machine(t, st, "chain", fmt.Sprintf(`{"StartAt":"More","States":{
		"More":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":%d,"Next":"Continue"}],"Default":"Done"},
		"Continue":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution","Parameters":{
			"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:chain",
			"Name.$":"States.Format('link-{}', States.MathAdd($.n, 1))",
			"Input":{"n.$":"States.MathAdd($.n, 1)","AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$":"$$.Execution.Id"}},"End":true},
		"Done":{"Type":"Succeed"}}}`, links))
	reg := &integration.Registry{Store: st}
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: reg, Poll: 50 * time.Millisecond})
	reg.Execs = node
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go node.Run(runCtx)

	t0 := time.Now()
	if _, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "link-0", Input: `{"n":0}`}); err != nil {
		t.Fatal(err)
	}
	last := runner.ExecutionArn(sm.Arn, fmt.Sprintf("link-%d", links))
	waitCtx, stop := context.WithTimeout(ctx, 60*time.Second)
	defer stop()
	for {
		ex, err := st.GetExecution(waitCtx, last)
		if err == nil && ex.Status == "SUCCEEDED" {
			break
		}
		if waitCtx.Err() != nil {
			t.Fatalf("the last link did not end: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("%d links in %s", links, time.Since(t0).Round(time.Millisecond))

	// Walk back from the last link to the first, and forward from the middle to the end.
	arn, steps := last, 0
	for {
		ex, err := st.GetExecution(ctx, arn)
		if err != nil {
			t.Fatal(err)
		}
		if ex.ParentArn == "" {
			break
		}
		arn, steps = ex.ParentArn, steps+1
	}
	if arn != runner.ExecutionArn(sm.Arn, "link-0") || steps != links {
		t.Errorf("walked back %d links to %s", steps, arn)
	}
	arn, steps = runner.ExecutionArn(sm.Arn, fmt.Sprintf("link-%d", links/2)), 0
	for {
		children, _, err := st.ListExecutions(ctx, store.ExecutionFilter{ParentArn: arn}, store.Page{Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(children) == 0 {
			break
		}
		if len(children) != 1 {
			t.Fatalf("%s has %d children", arn, len(children))
		}
		arn, steps = children[0].Arn, steps+1
	}
	if arn != last || steps != links-links/2 {
		t.Errorf("walked forward %d links to %s", steps, arn)
	}
}
