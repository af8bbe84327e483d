package runner_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// waitEnded polls until the execution has ended and returns it.
func waitEnded(t *testing.T, st store.Store, arn string, within time.Duration) *store.Execution {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ex, err := st.GetExecution(context.Background(), arn)
		if err != nil {
			t.Fatal(err)
		}
		if ex.Status != "RUNNING" {
			return ex
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s still running after %s", arn, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// A redriven execution is durable: a node that stops while the redrive waits on a timer
// leaves it to the next node, which finishes it; the redrive runs the revision the execution
// started with, even after the machine was updated.
func TestNodeRedriveSurvivesRestart(t *testing.T) {
	st := openStore(t)
	def := `{"StartAt":"Work","States":{
		"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"n":1},"ResultPath":"$.work","Next":"Wait"},
		"Wait":{"Type":"Wait","Seconds":1,"Next":"Done"},
		"Done":{"Type":"Succeed"}}}`
	sm := createMachine(t, st, def)
	var n atomic.Int64
	tasks := runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
		if n.Add(1) == 1 {
			return "", &runner.TaskError{Name: "Boom", Cause: "first call"}
		}
		return `{"call":2}`, nil
	})
	node := func(owner string) (*runner.Node, context.CancelFunc, chan struct{}) {
		nd := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012",
			Tasks: tasks, Owner: owner, LeaseTTL: 600 * time.Millisecond, Poll: 50 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { nd.Run(ctx); close(done) }()
		return nd, cancel, done
	}
	a, stopA, doneA := node("a")
	row, err := a.Start(context.Background(), runner.StartRequest{StateMachine: sm, Name: "x", Input: `{"in":1}`})
	if err != nil {
		t.Fatal(err)
	}
	ended := waitEnded(t, st, row.Arn, 5*time.Second)
	if ended.Status != "FAILED" || ended.State == "" {
		t.Fatalf("first run %s, state kept %v", ended.Status, ended.State != "")
	}
	if r := a.RedriveReason(ended); r != "" {
		t.Fatalf("redrive reason %q", r)
	}
	// An update does not change what the redrive runs.
	sm2 := *sm
	sm2.Definition = `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Updated"}}}`
	sm2.RevisionID = "2"
	if err := st.UpdateStateMachine(context.Background(), &sm2); err != nil {
		t.Fatal(err)
	}

	at, err := a.Redrive(context.Background(), row.Arn, "token-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := a.Redrive(context.Background(), row.Arn, "token-1")
	if err != nil || !again.Equal(at) {
		t.Fatalf("same client token: %v %v, want %v", again, err, at)
	}
	_, err = a.Redrive(context.Background(), row.Arn, "token-2")
	var nr *engine.NotRedrivableError
	if !errors.As(err, &nr) || nr.Reason != "Execution is RUNNING and cannot be redriven" {
		t.Fatalf("redrive of a running execution: %v", err)
	}
	stopA()
	<-doneA

	_, stopB, doneB := node("b")
	defer func() { stopB(); <-doneB }()
	final := waitEnded(t, st, row.Arn, 10*time.Second)
	if final.Status != "SUCCEEDED" || final.RedriveCount != 1 || final.RedriveDate == nil || !final.RedriveDate.Equal(at) {
		t.Fatalf("after redrive: %s %v %v count %d date %v", final.Status, deref(final.Error), deref(final.Cause), final.RedriveCount, final.RedriveDate)
	}
	if got, want := deref(final.Output), `{"in":1,"work":{"call":2}}`; got != want {
		t.Errorf("output %s, want %s", got, want)
	}
	if final.State != `{"redriveTokens":[{"token":"token-1","time":"`+at.Format(time.RFC3339Nano)+`"}]}` {
		t.Errorf("a succeeded execution keeps %s", final.State)
	}
	evs, err := st.History(context.Background(), row.Arn, 0, 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	var typesSeen []string
	for i, e := range evs {
		if e.ID != int64(i+1) {
			t.Fatalf("history ids: event %d has id %d", i, e.ID)
		}
		typesSeen = append(typesSeen, e.Type)
	}
	want := []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskFailed", "ExecutionFailed",
		"ExecutionRedriven", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited",
		"WaitStateEntered", "WaitStateExited", "SucceedStateEntered", "SucceedStateExited", "ExecutionSucceeded"}
	if len(typesSeen) != len(want) {
		t.Fatalf("history %v", typesSeen)
	}
	for i := range want {
		if typesSeen[i] != want[i] {
			t.Fatalf("history %v, want %v", typesSeen, want)
		}
	}
	// The client token of the redrive still answers once the execution has succeeded.
	if again, err := a.Redrive(context.Background(), row.Arn, "token-1"); err != nil || !again.Equal(at) {
		t.Errorf("client token after success: %v %v", again, err)
	}
	_, err = a.Redrive(context.Background(), row.Arn, "token-3")
	if !errors.As(err, &nr) || nr.Reason != "Execution is SUCCEEDED and cannot be redriven" {
		t.Fatalf("redrive of a succeeded execution: %v", err)
	}
}

// The node that ran an execution keeps renewing its leases; another node can still redrive
// the execution once it has ended, and runs it.
func TestNodeRedriveOnAnotherNode(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, `{"StartAt":"Work","States":{"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`)
	var n atomic.Int64
	tasks := runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
		if n.Add(1) == 1 {
			return "", &runner.TaskError{Name: "Boom", Cause: "first call"}
		}
		return `{"ok":true}`, nil
	})
	var nodes []*runner.Node
	for _, owner := range []string{"a", "b"} {
		nd := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012",
			Tasks: tasks, Owner: owner, LeaseTTL: 600 * time.Millisecond, Poll: 50 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { nd.Run(ctx); close(done) }()
		t.Cleanup(func() { cancel(); <-done })
		nodes = append(nodes, nd)
	}
	row, err := nodes[0].Start(context.Background(), runner.StartRequest{StateMachine: sm, Name: "x", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	if ended := waitEnded(t, st, row.Arn, 5*time.Second); ended.Status != "FAILED" {
		t.Fatalf("first run %s", ended.Status)
	}
	time.Sleep(300 * time.Millisecond) // node a renews its leases meanwhile
	if _, err := nodes[1].Redrive(context.Background(), row.Arn, ""); err != nil {
		t.Fatal(err)
	}
	if final := waitEnded(t, st, row.Arn, 5*time.Second); final.Status != "SUCCEEDED" || final.RedriveCount != 1 {
		t.Fatalf("after redrive %s count %d", final.Status, final.RedriveCount)
	}
}
