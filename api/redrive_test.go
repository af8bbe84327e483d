package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
	"github.com/aws/aws-sdk-go-v2/service/sfn/types"
	"github.com/aws/smithy-go/middleware"

	"github.com/stepwise-run/stepwise/api"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

// redriveServer starts Stepwise with a task handler whose task {"Payload":{"id":ID}} fails
// its first call for each ID, and a clock tests can move forward.
type redriveServer struct {
	c     *sfn.Client
	shift atomic.Int64 // how far the server's clock is ahead, in nanoseconds
}

func newRedriveServer(t *testing.T, maxHistory int64) *redriveServer {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	rs := &redriveServer{}
	var mu sync.Mutex
	seen := map[string]int{}
	tasks := runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
		var p struct {
			Payload struct {
				ID string `json:"id"`
			}
		}
		json.Unmarshal([]byte(t.Parameters), &p)
		mu.Lock()
		seen[p.Payload.ID]++
		n := seen[p.Payload.ID]
		mu.Unlock()
		if n == 1 {
			return "", &runner.TaskError{Name: "Lambda.Unknown", Cause: "first call of " + p.Payload.ID}
		}
		return `{"StatusCode":200,"Payload":{"id":"` + p.Payload.ID + `","call":2}}`, nil
	})
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Tasks: tasks,
		LeaseTTL: time.Second, Poll: 50 * time.Millisecond, MaxHistoryEvents: maxHistory,
		Now: func() time.Time { return time.Now().Add(time.Duration(rs.shift.Load())) }})
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
	rs.c = sfn.New(sfn.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.URL), Credentials: aws.AnonymousCredentials{},
		APIOptions: []func(*middleware.Stack) error{noHostPrefix},
	})
	return rs
}

func (rs *redriveServer) machine(t *testing.T, name, def, typ string) *string {
	t.Helper()
	in := &sfn.CreateStateMachineInput{Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String(role)}
	if typ != "" {
		in.Type = types.StateMachineType(typ)
	}
	out, err := rs.c.CreateStateMachine(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out.StateMachineArn
}

func (rs *redriveServer) start(t *testing.T, sm *string, name string) *string {
	t.Helper()
	out, err := rs.c.StartExecution(context.Background(), &sfn.StartExecutionInput{StateMachineArn: sm, Name: aws.String(name), Input: aws.String(`{"order":7}`)})
	if err != nil {
		t.Fatal(err)
	}
	return out.ExecutionArn
}

// ended waits for the execution to leave RUNNING.
func (rs *redriveServer) ended(t *testing.T, arn *string) *sfn.DescribeExecutionOutput {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, err := rs.c.DescribeExecution(context.Background(), &sfn.DescribeExecutionInput{ExecutionArn: arn})
		if err != nil {
			t.Fatal(err)
		}
		if out.Status != types.ExecutionStatusRunning {
			return out
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still running", aws.ToString(arn))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

const redriveDef = `{"StartAt":"Prepare","States":{
	"Prepare":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"id.$":"States.Format('prep-{}', $$.Execution.Name)"}},"ResultSelector":{"ok":true},"ResultPath":"$.prepare","Next":"Fan"},
	"Fan":{"Type":"Parallel","ResultPath":"$.fan","Next":"Count","Branches":[
		{"StartAt":"Ok","States":{"Ok":{"Type":"Pass","Result":"fine","End":true}}},
		{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"id.$":"States.Format('work-{}', $$.Execution.Name)"}},"OutputPath":"$.Payload","End":true}}}]},
	"Count":{"Type":"Choice","Choices":[{"Variable":"$$.Execution.RedriveCount","NumericGreaterThan":0,"Next":"Redriven"}],"Default":"Never"},
	"Redriven":{"Type":"Pass","Parameters":{"count.$":"$$.Execution.RedriveCount"},"ResultPath":"$.redrive","End":true},
	"Never":{"Type":"Fail","Error":"NotRedriven"}}}`

func TestRedriveExecutionThroughTheSDK(t *testing.T) {
	rs := newRedriveServer(t, 0)
	c := rs.c
	ctx := context.Background()
	sm := rs.machine(t, "redrive", redriveDef, "")

	// Prepare fails its first call, and has no Retry: the execution fails there.
	arn := rs.start(t, sm, "one")
	first := rs.ended(t, arn)
	if first.Status != types.ExecutionStatusFailed || aws.ToString(first.Error) != "Lambda.Unknown" {
		t.Fatalf("first run %s %s", first.Status, aws.ToString(first.Error))
	}
	if first.RedriveStatus != types.ExecutionRedriveStatusRedrivable || first.RedriveStatusReason != nil || aws.ToInt32(first.RedriveCount) != 0 || first.RedriveDate != nil {
		t.Errorf("describe before redrive: %s %v %d %v", first.RedriveStatus, aws.ToString(first.RedriveStatusReason), aws.ToInt32(first.RedriveCount), first.RedriveDate)
	}

	// Redrive 1: Prepare runs again and succeeds; in the Parallel, Work fails its first call.
	r1, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	second := rs.ended(t, arn)
	if second.Status != types.ExecutionStatusFailed || aws.ToInt32(second.RedriveCount) != 1 {
		t.Fatalf("after the first redrive %s (%s), count %d", second.Status, aws.ToString(second.Cause), aws.ToInt32(second.RedriveCount))
	}
	if second.RedriveDate == nil || !second.RedriveDate.Equal(aws.ToTime(r1.RedriveDate)) {
		t.Errorf("redriveDate %v, RedriveExecution said %v", second.RedriveDate, r1.RedriveDate)
	}

	// Redrive 2, with a client token: only the failed branch runs again; the Choice sees
	// $$.Execution.RedriveCount.
	r2, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: arn, ClientToken: aws.String("retry-2")})
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: arn, ClientToken: aws.String("retry-2")})
	if err != nil || !aws.ToTime(again.RedriveDate).Equal(aws.ToTime(r2.RedriveDate)) {
		t.Errorf("the same client token again: %v %v, want %v", again, err, r2.RedriveDate)
	}
	done := rs.ended(t, arn)
	if done.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("after the second redrive %s %s %s", done.Status, aws.ToString(done.Error), aws.ToString(done.Cause))
	}
	if got, want := aws.ToString(done.Output), `{"order":7,"prepare":{"ok":true},"fan":["fine",{"id":"work-one","call":2}],"redrive":{"count":2}}`; got != want {
		t.Errorf("output %s\nwant %s", got, want)
	}
	if aws.ToInt32(done.RedriveCount) != 2 || done.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable ||
		aws.ToString(done.RedriveStatusReason) != "Execution is SUCCEEDED and cannot be redriven" {
		t.Errorf("describe after: count %d %s %q", aws.ToInt32(done.RedriveCount), done.RedriveStatus, aws.ToString(done.RedriveStatusReason))
	}

	// One history, ExecutionRedriven after each end.
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: arn, MaxResults: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var redriven []int32
	for i, e := range h.Events {
		if e.Id != int64(i+1) {
			t.Fatalf("event %d has id %d", i, e.Id)
		}
		if e.Type == types.HistoryEventTypeExecutionRedriven {
			if prev := h.Events[i-1].Type; prev != types.HistoryEventTypeExecutionFailed || e.PreviousEventId != int64(i) {
				t.Errorf("ExecutionRedriven follows %s (previousEventId %d)", prev, e.PreviousEventId)
			}
			redriven = append(redriven, aws.ToInt32(e.ExecutionRedrivenEventDetails.RedriveCount))
		}
	}
	if len(redriven) != 2 || redriven[0] != 1 || redriven[1] != 2 {
		t.Errorf("ExecutionRedriven counts %v", redriven)
	}
	okEntered := 0
	for _, e := range h.Events {
		if e.Type == types.HistoryEventTypePassStateEntered && aws.ToString(e.StateEnteredEventDetails.Name) == "Ok" {
			okEntered++
		}
	}
	if okEntered != 1 {
		t.Errorf("the branch that succeeded ran %d times", okEntered)
	}

	// ListExecutions: items carry the redrive members; redriveFilter.
	never := rs.start(t, sm, "two")
	rs.ended(t, never)
	for _, tc := range []struct {
		filter types.ExecutionRedriveFilter
		want   string
	}{{types.ExecutionRedriveFilterRedriven, "one"}, {types.ExecutionRedriveFilterNotRedriven, "two"}} {
		l, err := c.ListExecutions(ctx, &sfn.ListExecutionsInput{StateMachineArn: sm, RedriveFilter: tc.filter})
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Executions) != 1 || aws.ToString(l.Executions[0].Name) != tc.want {
			t.Fatalf("ListExecutions(%s): %+v", tc.filter, l.Executions)
		}
		item := l.Executions[0]
		if tc.want == "one" && (aws.ToInt32(item.RedriveCount) != 2 || item.RedriveDate == nil) {
			t.Errorf("listed redriven execution: count %d date %v", aws.ToInt32(item.RedriveCount), item.RedriveDate)
		}
		if tc.want == "two" && (item.RedriveCount == nil || *item.RedriveCount != 0 || item.RedriveDate != nil) {
			t.Errorf("listed execution never redriven: count %v date %v, want 0 and none", item.RedriveCount, item.RedriveDate)
		}
	}
}

func TestRedriveExecutionErrors(t *testing.T) {
	rs := newRedriveServer(t, 0)
	c := rs.c
	ctx := context.Background()
	sm := rs.machine(t, "redrive", redriveDef, "")
	failed := rs.start(t, sm, "failed")
	rs.ended(t, failed)
	ok := rs.machine(t, "ok", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "")
	succeeded := rs.start(t, ok, "done")
	rs.ended(t, succeeded)
	slow := rs.machine(t, "slow", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":600,"End":true}}}`, "")
	running := rs.start(t, slow, "waiting")
	express := rs.machine(t, "fast", `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`, "EXPRESS")
	exp, err := c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: express})
	if err != nil {
		t.Fatal(err)
	}

	redrive := func(arn *string, token *string) error {
		_, err := c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: arn, ClientToken: token})
		return err
	}
	missing := strings.Replace(aws.ToString(failed), ":failed", ":nobody", 1)
	tests := []struct {
		name    string
		arn     *string
		token   *string
		code    string
		message string
	}{
		{"does not exist", aws.String(missing), nil, "ExecutionDoesNotExist", "Execution Does Not Exist: '" + missing + "'"},
		{"not an ARN", aws.String("nope"), nil, "InvalidArn", "Invalid Arn: 'Invalid ARN prefix: nope'"},
		{"a state machine ARN", sm, nil, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: stateMachine'"},
		{"express", exp.ExecutionArn, nil, "InvalidArn", "Invalid Arn: 'Resource type not valid in this context: express'"},
		{"succeeded", succeeded, nil, "ExecutionNotRedrivable", "Execution is SUCCEEDED and cannot be redriven"},
		{"running", running, nil, "ExecutionNotRedrivable", "Execution is RUNNING and cannot be redriven"},
		{"client token too long", failed, aws.String(strings.Repeat("t", 65)), "ValidationException", "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64"},
		{"client token not printable ASCII", failed, aws.String("a b"), "ValidationException", "1 validation error detected: Value 'a b' at 'clientToken' failed to satisfy constraint: Member must satisfy regular expression pattern: [!-~]+"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := redrive(tc.arn, tc.token)
			var ae interface {
				ErrorCode() string
				ErrorMessage() string
			}
			if !errors.As(err, &ae) || ae.ErrorCode() != tc.code || ae.ErrorMessage() != tc.message {
				t.Fatalf("err %v, want %s: %s", err, tc.code, tc.message)
			}
		})
	}
	var typed *types.ExecutionNotRedrivable
	if err := redrive(succeeded, nil); !errors.As(err, &typed) {
		t.Errorf("not the SDK's ExecutionNotRedrivable: %T", err)
	}

	// Aborted: the redrive waits again in the Wait state it was stopped in.
	if _, err := c.StopExecution(ctx, &sfn.StopExecutionInput{ExecutionArn: running}); err != nil {
		t.Fatal(err)
	}
	if d := rs.ended(t, running); d.Status != types.ExecutionStatusAborted || d.RedriveStatus != types.ExecutionRedriveStatusRedrivable {
		t.Fatalf("stopped: %s %s", d.Status, d.RedriveStatus)
	}
	if err := redrive(running, nil); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: running})
	if err != nil || d.Status != types.ExecutionStatusRunning || d.StopDate != nil || aws.ToInt32(d.RedriveCount) != 1 {
		t.Fatalf("after redriving the aborted execution: %+v %v", d, err)
	}
	h, err := c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: running, ReverseOrder: true, MaxResults: 3})
	if err != nil {
		t.Fatal(err)
	}
	if h.Events[0].Type != types.HistoryEventTypeWaitStateEntered || h.Events[1].Type != types.HistoryEventTypeExecutionRedriven || h.Events[2].Type != types.HistoryEventTypeExecutionAborted {
		t.Errorf("history ends %s %s %s", h.Events[2].Type, h.Events[1].Type, h.Events[0].Type)
	}

	// Fourteen days after it stopped, a failed execution can no longer be redriven.
	rs.shift.Store(int64(14*24*time.Hour + time.Minute))
	d, err = c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: failed})
	if err != nil {
		t.Fatal(err)
	}
	if d.RedriveStatus != types.ExecutionRedriveStatusNotRedrivable || aws.ToString(d.RedriveStatusReason) != "Execution redrivable period exceeded" {
		t.Errorf("describe after 14 days: %s %q", d.RedriveStatus, aws.ToString(d.RedriveStatusReason))
	}
	if err := redrive(failed, nil); !errors.As(err, &typed) || aws.ToString(typed.Message) != "Execution redrivable period exceeded" {
		t.Errorf("redrive after 14 days: %v", err)
	}
}

// An execution whose history is too close to the quota cannot be redriven.
func TestRedriveExecutionHistoryLimit(t *testing.T) {
	rs := newRedriveServer(t, 30)
	sm := rs.machine(t, "loop", `{"StartAt":"L","States":{"L":{"Type":"Pass","Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"E"}],"Default":"L"},"E":{"Type":"Succeed"}}}`, "")
	arn := rs.start(t, sm, "loop")
	d := rs.ended(t, arn)
	if d.Status != types.ExecutionStatusFailed || aws.ToString(d.RedriveStatusReason) != "Execution history event limit exceeded" {
		t.Fatalf("%s %s %q", d.Status, d.RedriveStatus, aws.ToString(d.RedriveStatusReason))
	}
	_, err := rs.c.RedriveExecution(context.Background(), &sfn.RedriveExecutionInput{ExecutionArn: arn})
	var typed *types.ExecutionNotRedrivable
	if !errors.As(err, &typed) || aws.ToString(typed.Message) != "Execution history event limit exceeded" {
		t.Errorf("redrive: %v", err)
	}
}

// A Distributed Map whose child fails: the parent's redrive redrives that child execution
// under the same ARN (ExecutionRedriven on its own history), and the map run ends SUCCEEDED.
func TestRedriveDistributedMapChildren(t *testing.T) {
	rs := newRedriveServer(t, 0)
	ctx := context.Background()
	sm := rs.machine(t, "dmap", `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemsPath":"$.items",
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"id.$":"$.id"}},"OutputPath":"$.Payload","End":true}}}}}}`, "")
	start, err := rs.c.StartExecution(ctx, &sfn.StartExecutionInput{StateMachineArn: sm, Name: aws.String("run"),
		Input: aws.String(`{"items":[{"id":"dm-a"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	if out := rs.ended(t, start.ExecutionArn); out.Status != types.ExecutionStatusFailed {
		t.Fatalf("first run: %s", out.Status)
	}
	runs, err := rs.c.ListMapRuns(ctx, &sfn.ListMapRunsInput{ExecutionArn: start.ExecutionArn})
	if err != nil || len(runs.MapRuns) != 1 {
		t.Fatalf("ListMapRuns: %v %v", runs, err)
	}
	children, err := rs.c.ListExecutions(ctx, &sfn.ListExecutionsInput{MapRunArn: runs.MapRuns[0].MapRunArn})
	if err != nil || len(children.Executions) != 1 {
		t.Fatalf("children: %v %v", children, err)
	}
	child := children.Executions[0].ExecutionArn
	d, err := rs.c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: child})
	if err != nil || d.Status != types.ExecutionStatusFailed || d.RedriveStatus != types.ExecutionRedriveStatusRedrivableByMapRun {
		t.Fatalf("child before: %v %v", d, err)
	}
	if _, err := rs.c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: child}); !errors.As(err, new(*types.ExecutionNotRedrivable)) {
		t.Errorf("redrive of a child alone: %v", err)
	}
	// The child's "state machine" is the Map state's item processor, named after the run.
	forChild, err := rs.c.DescribeStateMachineForExecution(ctx, &sfn.DescribeStateMachineForExecutionInput{ExecutionArn: child})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(aws.ToString(forChild.Definition), `"StartAt":"T","States":{`) || aws.ToString(forChild.MapRunArn) != aws.ToString(runs.MapRuns[0].MapRunArn) ||
		aws.ToString(forChild.StateMachineArn) != aws.ToString(children.Executions[0].StateMachineArn) || !strings.HasPrefix(aws.ToString(forChild.Name), "dmap/") ||
		aws.ToString(forChild.Label) == "" || aws.ToString(forChild.RoleArn) != role {
		t.Errorf("DescribeStateMachineForExecution(child) = %s name %s label %s run %s role %s", aws.ToString(forChild.Definition),
			aws.ToString(forChild.Name), aws.ToString(forChild.Label), aws.ToString(forChild.MapRunArn), aws.ToString(forChild.RoleArn))
	}

	if _, err := rs.c.RedriveExecution(ctx, &sfn.RedriveExecutionInput{ExecutionArn: start.ExecutionArn}); err != nil {
		t.Fatal(err)
	}
	if out := rs.ended(t, start.ExecutionArn); out.Status != types.ExecutionStatusSucceeded {
		t.Fatalf("after redrive: %s %s", out.Status, aws.ToString(out.Cause))
	}
	d, err = rs.c.DescribeExecution(ctx, &sfn.DescribeExecutionInput{ExecutionArn: child})
	if err != nil || d.Status != types.ExecutionStatusSucceeded || d.StopDate == nil || aws.ToInt32(d.RedriveCount) != 1 || d.RedriveDate == nil {
		t.Fatalf("child after: %+v %v", d, err)
	}
	h, err := rs.c.GetExecutionHistory(ctx, &sfn.GetExecutionHistoryInput{ExecutionArn: child})
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for i, e := range h.Events {
		seq = append(seq, string(e.Type))
		if e.Id != int64(i+1) {
			t.Errorf("child event %d has id %d", i+1, e.Id)
		}
	}
	got := strings.Join(seq, " ")
	if !strings.Contains(got, "ExecutionFailed ExecutionRedriven TaskStateEntered") || !strings.HasSuffix(got, "ExecutionSucceeded") {
		t.Errorf("child history: %s", got)
	}
	mr, err := rs.c.DescribeMapRun(ctx, &sfn.DescribeMapRunInput{MapRunArn: runs.MapRuns[0].MapRunArn})
	if err != nil || mr.Status != types.MapRunStatusSucceeded || mr.ExecutionCounts.Succeeded != 1 || mr.ExecutionCounts.Failed != 0 {
		t.Errorf("map run after: %+v %v", mr, err)
	}
}
