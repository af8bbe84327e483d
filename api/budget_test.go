package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/stepwise-run/stepwise/internal/racetest"
)

// TestBudgetsBoundTestStateAndExpress: the hostile expression of issue #15 fails fast, with
// the budget named, in TestState and in a synchronous Express execution as in a Standard one.
func TestBudgetsBoundTestStateAndExpress(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	const hostile = `{% $sum([1..100000].($sum([1..100000]))) %}`
	const slow = `{% $sort([1..400000], function($a, $b) { $a < $b }) %}`
	// machine creates a state machine of one Pass state whose Output is expr.
	machine := func(name string, typ types.StateMachineType, expr string) *string {
		t.Helper()
		sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), RoleArn: aws.String(role), Type: typ,
			Definition: aws.String(`{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"` + expr + `","End":true}}}`)})
		if err != nil {
			t.Fatal(err)
		}
		return sm.StateMachineArn
	}
	start := time.Now()
	out, err := c.TestState(ctx, &sfn.TestStateInput{
		Definition: aws.String(`{"Type":"Pass","QueryLanguage":"JSONata","Output":"` + hostile + `","End":true}`),
		Input:      aws.String(`{}`), RoleArn: aws.String(role),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Status != types.TestExecutionStatusFailed || aws.ToString(out.Error) != "States.QueryEvaluationError" || !strings.Contains(aws.ToString(out.Cause), "memory budget") {
		t.Fatalf("TestState: %s %s %s", out.Status, aws.ToString(out.Error), aws.ToString(out.Cause))
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("TestState took %v", took)
	}

	express := machine("hostile", types.StateMachineTypeExpress, hostile)
	start = time.Now()
	res, err := c.StartSyncExecution(ctx, &sfn.StartSyncExecutionInput{StateMachineArn: express, Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != types.SyncExecutionStatusFailed || aws.ToString(res.Error) != "States.QueryEvaluationError" || !strings.Contains(aws.ToString(res.Cause), "memory budget") {
		t.Fatalf("StartSyncExecution: %s %s %s", res.Status, aws.ToString(res.Error), aws.ToString(res.Cause))
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("StartSyncExecution took %v", took)
	}

	// A Standard execution: StartExecution answers without waiting for a slow state (it
	// waits for the first states only as long as the runner's startWait, 20 ms). The slow
	// expression takes 1.4 s to evaluate (about five times that with the race detector), so
	// a bound of half a second tells the two apart with room for a loaded machine (a bound
	// of 150 ms was once missed under the race detector at a load average of 16); hostile's
	// memory budget stops it within milliseconds, too soon to tell.
	slowSM := machine("slow-standard", types.StateMachineTypeStandard, slow)
	start = time.Now()
	slowEx, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: slowSM, Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > racetest.Scale(500*time.Millisecond) {
		t.Errorf("StartExecution took %v: it waited for the state", took)
	}
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: slowEx.ExecutionArn}); err != nil {
		t.Fatal(err)
	}

	// And a Standard execution fails with the budget named, as the others do.
	std := machine("hostile-standard", types.StateMachineTypeStandard, hostile)
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: std, Input: aws.String(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ex.ExecutionArn})
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != types.ExecutionStatusRunning {
			if d.Status != types.ExecutionStatusFailed || aws.ToString(d.Error) != "States.QueryEvaluationError" {
				t.Fatalf("Standard: %s %s", d.Status, aws.ToString(d.Error))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still running")
		}
	}
}
