package api_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go"
)

// distributedMap is a Distributed Map labelled L over the input, its iterations running body.
func distributedMap(maxConcurrency, body string) string {
	return `{"StartAt":"M","States":{"M":{"Type":"Map","Label":"L","MaxConcurrency":` + maxConcurrency + `,"End":true,
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"B","States":{"B":` + body + `}}}}}`
}

func startMachine(t *testing.T, c *sfn.Client, name, def, input string) *string {
	t.Helper()
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	ex, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm.StateMachineArn, Input: aws.String(input)})
	if err != nil {
		t.Fatal(err)
	}
	return ex.ExecutionArn
}

func oneMapRun(t *testing.T, c *sfn.Client, exArn *string) types.MapRunListItem {
	t.Helper()
	// The execution's first states run after StartExecution answers: the run may come later.
	deadline := time.Now().Add(10 * time.Second)
	for {
		runs, err := c.ListMapRuns(context.Background(), &sfn.ListMapRunsInput{ExecutionArn: exArn})
		if err != nil {
			t.Fatal(err)
		}
		if len(runs.MapRuns) == 1 {
			return runs.MapRuns[0]
		}
		if len(runs.MapRuns) > 1 || time.Now().After(deadline) {
			t.Fatalf("ListMapRuns: %d runs, want 1", len(runs.MapRuns))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitMapRun polls DescribeMapRun until ok holds.
func waitMapRun(t *testing.T, c *sfn.Client, arn *string, ok func(*sfn.DescribeMapRunOutput) bool) *sfn.DescribeMapRunOutput {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := c.DescribeMapRun(context.Background(), &sfn.DescribeMapRunInput{MapRunArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if ok(out) {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("map run %s: %s %+v", aws.ToString(arn), out.Status, out.ItemCounts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func apiErrorCode(t *testing.T, err error, want string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != want {
		t.Fatalf("error %v, want %s", err, want)
	}
}

func TestMapRunSucceededThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	exArn := startMachine(t, c, "dm", distributedMap("1", `{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$"},"End":true}`), `[1,2]`)
	if out := waitDone(t, c, exArn); out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution %s", out.Status)
	}
	run := oneMapRun(t, c, exArn)
	mapRunArn := aws.ToString(run.MapRunArn)
	if !strings.HasPrefix(mapRunArn, "arn:aws:states:us-east-1:123456789012:mapRun:dm/L:") ||
		aws.ToString(run.StateMachineArn) != "arn:aws:states:us-east-1:123456789012:stateMachine:dm/L" ||
		aws.ToString(run.ExecutionArn) != aws.ToString(exArn) || run.StartDate == nil || run.StopDate == nil {
		t.Fatalf("ListMapRuns item %+v", run)
	}
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: run.MapRunArn})
	if err != nil {
		t.Fatal(err)
	}
	want := types.MapRunItemCounts{Succeeded: 2, Total: 2, ResultsWritten: 2}
	if d.Status != types.MapRunStatusSucceeded || d.MaxConcurrency != 1 || d.ToleratedFailureCount != 0 || d.ToleratedFailurePercentage != 0 ||
		*d.ItemCounts != want || d.ExecutionCounts.Succeeded != 2 || d.ExecutionCounts.Total != 2 ||
		aws.ToString(d.ExecutionArn) != aws.ToString(exArn) || d.StopDate == nil || d.StartDate.After(*d.StopDate) {
		t.Fatalf("DescribeMapRun %s %d %+v %+v", d.Status, d.MaxConcurrency, d.ItemCounts, d.ExecutionCounts)
	}

	// Each item ran as a child execution, listed by the run, with a history of its own.
	children, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: run.MapRunArn})
	if err != nil || len(children.Executions) != 2 {
		t.Fatalf("ListExecutions by map run: %+v %v", children, err)
	}
	for _, ch := range children.Executions {
		arn := aws.ToString(ch.ExecutionArn)
		if !strings.HasPrefix(arn, "arn:aws:states:us-east-1:123456789012:execution:dm/L:") || !strings.HasSuffix(arn, ":"+aws.ToString(ch.Name)) ||
			aws.ToString(ch.MapRunArn) != mapRunArn || aws.ToString(ch.StateMachineArn) != aws.ToString(run.StateMachineArn) ||
			ch.Status != types.ExecutionStatusSucceeded || ch.StopDate == nil {
			t.Fatalf("child %+v", ch)
		}
		d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: ch.ExecutionArn})
		if err != nil || aws.ToString(d.MapRunArn) != mapRunArn || d.Status != types.ExecutionStatusSucceeded ||
			!strings.Contains(aws.ToString(d.Output), `"echo"`) || (aws.ToString(d.Input) != "1" && aws.ToString(d.Input) != "2") {
			t.Fatalf("DescribeExecution(child) %+v %v", d, err)
		}
		got, _ := historyOf(t, c, ch.ExecutionArn)
		want := "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded"
		if strings.Join(got, " ") != want {
			t.Fatalf("child history %v, want %s", got, want)
		}
	}
	// The parent's own listing and history are unchanged by its children.
	parents, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:dm")})
	if err != nil || len(parents.Executions) != 1 || parents.Executions[0].MapRunArn != nil {
		t.Fatalf("ListExecutions by state machine: %+v %v", parents, err)
	}
	if got, _ := historyOf(t, c, exArn); strings.Join(got, " ") != "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded" {
		t.Fatalf("parent history %v", got)
	}

	// An ended run cannot be updated.
	_, err = c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: run.MapRunArn, MaxConcurrency: aws.Int32(5)})
	apiErrorCode(t, err, "ValidationException")
}

func TestUpdateMapRunThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	exArn := startMachine(t, c, "slow", distributedMap("1", `{"Type":"Wait","Seconds":3600,"End":true}`), `[1,2,3]`)
	run := oneMapRun(t, c, exArn)
	d := waitMapRun(t, c, run.MapRunArn, func(d *sfn.DescribeMapRunOutput) bool { return d.ItemCounts.Running == 1 })
	if d.Status != types.MapRunStatusRunning || d.ItemCounts.Pending != 2 || d.StopDate != nil || d.MaxConcurrency != 1 {
		t.Fatalf("running run: %s %+v", d.Status, d.ItemCounts)
	}
	if _, err := c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: run.MapRunArn, MaxConcurrency: aws.Int32(0),
		ToleratedFailureCount: aws.Int64(2), ToleratedFailurePercentage: aws.Float32(40)}); err != nil {
		t.Fatal(err)
	}
	d = waitMapRun(t, c, run.MapRunArn, func(d *sfn.DescribeMapRunOutput) bool { return d.ItemCounts.Running == 3 })
	if d.MaxConcurrency != 0 || d.ToleratedFailureCount != 2 || d.ToleratedFailurePercentage != 40 || d.ItemCounts.Pending != 0 {
		t.Fatalf("updated run: %d %d %v %+v", d.MaxConcurrency, d.ToleratedFailureCount, d.ToleratedFailurePercentage, d.ItemCounts)
	}

	// The request is checked before the run is looked up.
	for _, in := range []*sfn.UpdateMapRunInput{
		{MapRunArn: run.MapRunArn, ToleratedFailurePercentage: aws.Float32(101)},
		{MapRunArn: run.MapRunArn, ToleratedFailureCount: aws.Int64(-1)},
		{MapRunArn: run.MapRunArn},
	} {
		_, err := c.UpdateMapRun(ctx, in)
		apiErrorCode(t, err, "ValidationException")
	}

	// A running child is stopped through its parent.
	running, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: run.MapRunArn, StatusFilter: types.ExecutionStatusRunning})
	if err != nil || len(running.Executions) != 3 {
		t.Fatalf("running children: %+v %v", running, err)
	}
	_, err = c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: running.Executions[0].ExecutionArn})
	apiErrorCode(t, err, "ValidationException")

	// Stopping the execution aborts the run and its running iterations.
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: exArn}); err != nil {
		t.Fatal(err)
	}
	d = waitMapRun(t, c, run.MapRunArn, func(d *sfn.DescribeMapRunOutput) bool { return d.Status != types.MapRunStatusRunning })
	if d.Status != types.MapRunStatusAborted || d.ItemCounts.Aborted != 3 || d.ItemCounts.Running != 0 || d.StopDate == nil {
		t.Fatalf("stopped run: %s %+v", d.Status, d.ItemCounts)
	}
	aborted, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: run.MapRunArn, StatusFilter: types.ExecutionStatusAborted})
	if err != nil || len(aborted.Executions) != 3 {
		t.Fatalf("aborted children: %+v %v", aborted, err)
	}
	got, _ := historyOf(t, c, aborted.Executions[0].ExecutionArn)
	if strings.Join(got, " ") != "ExecutionStarted WaitStateEntered ExecutionAborted" {
		t.Fatalf("aborted child history %v", got)
	}
}

func TestMapRunErrorsThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	unknown := aws.String("arn:aws:states:us-east-1:123456789012:mapRun:dm/L:0a1b2c3d-0000-4000-8000-000000000000")
	notMapRun := aws.String("arn:aws:states:us-east-1:123456789012:execution:dm:x")
	for name, call := range map[string]func() error{
		"DescribeMapRun unknown": func() error {
			_, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: unknown})
			return err
		},
		"UpdateMapRun unknown": func() error {
			_, err := c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: unknown, MaxConcurrency: aws.Int32(2)})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { apiErrorCode(t, call(), "ResourceNotFound") })
	}
	for name, call := range map[string]func() error{
		"DescribeMapRun not a map run": func() error {
			_, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: notMapRun})
			return err
		},
		"UpdateMapRun not an ARN": func() error {
			_, err := c.UpdateMapRun(ctx, &sfn.UpdateMapRunInput{MapRunArn: aws.String("nope"), MaxConcurrency: aws.Int32(2)})
			return err
		},
		"ListMapRuns not an execution": func() error {
			_, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: unknown})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) { apiErrorCode(t, call(), "InvalidArn") })
	}
	_, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: notMapRun})
	apiErrorCode(t, err, "ExecutionDoesNotExist")
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: unknown})
	apiErrorCode(t, err, "ResourceNotFound")
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: notMapRun})
	apiErrorCode(t, err, "InvalidArn")
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: unknown, StateMachineArn: aws.String("arn:aws:states:us-east-1:123456789012:stateMachine:dm")})
	apiErrorCode(t, err, "ValidationException")

	// An execution without Distributed Maps has no runs; a foreign token is refused.
	exArn := startMachine(t, c, "plain", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, `{}`)
	waitDone(t, c, exArn)
	runs, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: exArn})
	if err != nil || len(runs.MapRuns) != 0 || runs.NextToken != nil {
		t.Fatalf("ListMapRuns: %+v %v", runs, err)
	}
	_, err = c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: exArn, NextToken: aws.String("bogus")})
	apiErrorCode(t, err, "InvalidToken")
}

// ListMapRuns pages newest first.
func TestListMapRunsPagesThroughTheSDK(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	def := `{"StartAt":"A","States":{
		"A":{"Type":"Map","Label":"A","End":false,"Next":"B","ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}},
		"B":{"Type":"Map","Label":"B","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"P2","States":{"P2":{"Type":"Pass","End":true}}}}}}`
	exArn := startMachine(t, c, "two", strings.Replace(def, `"End":false,`, ``, 1), `[1]`)
	waitDone(t, c, exArn)
	p1, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: exArn, MaxResults: 1})
	if err != nil || len(p1.MapRuns) != 1 || p1.NextToken == nil || !strings.Contains(aws.ToString(p1.MapRuns[0].MapRunArn), ":mapRun:two/B:") {
		t.Fatalf("page 1: %+v %v", p1, err)
	}
	p2, err := c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: exArn, MaxResults: 1, NextToken: p1.NextToken})
	if err != nil || len(p2.MapRuns) != 1 || p2.NextToken != nil || !strings.Contains(aws.ToString(p2.MapRuns[0].MapRunArn), ":mapRun:two/A:") {
		t.Fatalf("page 2: %+v %v", p2, err)
	}
}

// TestMapRunDates: DescribeMapRun and ListMapRuns report when the run started and stopped,
// the times of its MapRunStarted and MapRunSucceeded events, not one moment for both.
func TestMapRunDates(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	exArn := startMachine(t, c, "dates", distributedMap("1", `{"Type":"Wait","Seconds":1,"End":true}`), `[1,2]`)
	if out := waitDone(t, c, exArn); out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("execution %s", out.Status)
	}
	run := oneMapRun(t, c, exArn)
	d, err := c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: run.MapRunArn})
	if err != nil {
		t.Fatal(err)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: exArn})
	if err != nil {
		t.Fatal(err)
	}
	var started, stopped time.Time
	for _, e := range h.Events {
		switch e.Type {
		case types.HistoryEventTypeMapRunStarted:
			started = aws.ToTime(e.Timestamp)
		case types.HistoryEventTypeMapRunSucceeded:
			stopped = aws.ToTime(e.Timestamp)
		}
	}
	if stopped.Sub(started) < 2*time.Second {
		t.Fatalf("the run's events: started %v, succeeded %v; two items one at a time wait 2s", started, stopped)
	}
	for _, got := range []struct {
		name        string
		start, stop *time.Time
	}{{"DescribeMapRun", d.StartDate, d.StopDate}, {"ListMapRuns", run.StartDate, run.StopDate}} {
		if got.start == nil || got.stop == nil || !got.start.Equal(started) || !got.stop.Equal(stopped) {
			t.Errorf("%s: start %v stop %v, want the events' %v and %v", got.name, got.start, got.stop, started, stopped)
		}
	}
}

// TestPendingRedriveNeedsMapRun: the API reference says ListExecutions with a stateMachineArn
// and the PENDING_REDRIVE status filter returns a validation exception (it lists the child
// executions of a Map Run only); it answered an empty list.
func TestPendingRedriveNeedsMapRun(t *testing.T) {
	c := newServer(t)
	ctx := context.Background()
	sm, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{Name: aws.String("m"),
		Definition: aws.String(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), RoleArn: aws.String(role)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusPendingRedrive})
	wantErr(t, "PENDING_REDRIVE with a stateMachineArn", err, "ValidationException", "")
	if _, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm.StateMachineArn, StatusFilter: types.ExecutionStatusFailed}); err != nil {
		t.Errorf("FAILED with a stateMachineArn: %v", err)
	}
}
