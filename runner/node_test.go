package runner_test

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/sqlite"
)

const waitAndTask = `{"StartAt":"Wait","States":{
	"Wait":{"Type":"Wait","Seconds":1,"Next":"Work"},
	"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"Next":"Done"},
	"Done":{"Type":"Succeed"}}}`

func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "stepwise.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func createMachine(t *testing.T, st store.Store, def string) *store.StateMachine {
	t.Helper()
	now := time.Now().UTC()
	sm := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", Name: "m", Type: "STANDARD",
		Definition: def, RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}",
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	return sm
}

var calls atomic.Int64

func echo(ctx context.Context, t *engine.Task) (string, error) {
	calls.Add(1)
	return `{"StatusCode":200,"Payload":{"ok":true}}`, nil
}

func newNode(st store.Store, owner string) *runner.Node {
	return runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012",
		Tasks: runner.TaskFunc(echo), Owner: owner, LeaseTTL: 600 * time.Millisecond, Poll: 50 * time.Millisecond})
}

// waitDone polls until every execution has ended.
func waitDone(t *testing.T, st store.Store, arns []string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for _, arn := range arns {
		for {
			ex, err := st.GetExecution(context.Background(), arn)
			if err != nil {
				t.Fatal(err)
			}
			if ex.Status != "RUNNING" {
				if ex.Status != "SUCCEEDED" {
					t.Fatalf("%s: %s %v %v", arn, ex.Status, deref(ex.Error), deref(ex.Cause))
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s still running after %s", arn, within)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// checkHistory asserts a complete, gap-free history: ids 1..n, each once, ending in success.
func checkHistory(t *testing.T, st store.Store, arn string, wantTypes []string) {
	t.Helper()
	evs, err := st.History(context.Background(), arn, 0, 1000, false)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for i, e := range evs {
		if e.ID != int64(i+1) {
			t.Fatalf("%s: event %d has id %d", arn, i, e.ID)
		}
		types = append(types, e.Type)
	}
	if fmt.Sprint(types) != fmt.Sprint(wantTypes) {
		t.Fatalf("%s history:\n got %v\nwant %v", arn, types, wantTypes)
	}
}

var wantTypes = []string{"ExecutionStarted", "WaitStateEntered", "WaitStateExited", "TaskStateEntered",
	"TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskStateExited", "SucceedStateEntered", "SucceedStateExited",
	"ExecutionSucceeded"}

func TestNodeRunsExecutionsToTheEnd(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, waitAndTask)
	n := newNode(st, "a")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- n.Run(ctx) }()
	var arns []string
	for i := range 20 {
		ex, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: fmt.Sprintf("e%d", i), Input: `{"i":1}`})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, ex.Arn)
	}
	waitDone(t, st, arns, 10*time.Second)
	for _, arn := range arns {
		checkHistory(t, st, arn, wantTypes)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if timers, _ := st.DueTimers(context.Background(), time.Now().Add(time.Hour), 10); len(timers) != 0 {
		t.Errorf("%d timers left after every execution ended", len(timers))
	}
}

// TestNodeTakesOverFromADeadNode: node a starts executions and stops renewing its leases
// without releasing them (as a crashed process would); node b takes them over once the
// leases expire, and every execution ends once with a gap-free history.
func TestNodeTakesOverFromADeadNode(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, waitAndTask)
	dead := newNode(st, "dead") // never Run: its leases lapse
	var arns []string
	for i := range 10 {
		ex, err := dead.Start(context.Background(), runner.StartRequest{StateMachine: sm, Name: fmt.Sprintf("e%d", i), Input: `{}`})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, ex.Arn)
	}
	start := time.Now()
	b := newNode(st, "b")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	waitDone(t, st, arns, 10*time.Second)
	t.Logf("taken over and finished in %s (lease TTL 600ms, Wait 1s)", time.Since(start).Round(time.Millisecond))
	for _, arn := range arns {
		checkHistory(t, st, arn, wantTypes)
	}
}

// TestNodeRestart: a node shuts down cleanly while executions wait; a new node on the same
// store finishes them.
func TestNodeRestart(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, waitAndTask)
	a := newNode(st, "a")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- a.Run(ctx) }()
	ex, err := a.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	b := newNode(st, "b")
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	go b.Run(ctx2)
	waitDone(t, st, []string{ex.Arn}, 5*time.Second)
	checkHistory(t, st, ex.Arn, wantTypes)
}

func TestNodeCallbackAndStop(t *testing.T) {
	st := openStore(t)
	def := `{"StartAt":"Ask","States":{
		"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`
	sm := createMachine(t, st, def)
	var token atomic.Value
	n := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", LeaseTTL: time.Second,
		Tasks: runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
			token.Store(t.Token)
			return `{"StatusCode":202}`, nil
		})})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx)
	ex, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "cb", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for token.Load() == nil {
		if time.Now().After(deadline) {
			t.Fatal("task never dispatched")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // let TaskSubmitted commit
	if err := n.Answer(ctx, token.Load().(string), engine.Event{Kind: engine.TaskSucceeded, Output: `{"answer":42}`}); err != nil {
		t.Fatal(err)
	}
	waitDone(t, st, []string{ex.Arn}, 5*time.Second)
	got, _ := st.GetExecution(ctx, ex.Arn)
	if deref(got.Output) != `{"answer":42}` {
		t.Errorf("output %s", deref(got.Output))
	}
	checkHistory(t, st, ex.Arn, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
		"TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"})
	if err := n.Answer(ctx, token.Load().(string), engine.Event{Kind: engine.TaskSucceeded, Output: `{}`}); err == nil {
		t.Error("a second answer with the same token was accepted")
	}

	// Stop: an execution waiting for a callback is aborted.
	ex2, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "stopped", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Stop(ctx, ex2.Arn, "Why", "Because", true, true); err != nil {
		t.Fatal(err)
	}
	got, _ = st.GetExecution(ctx, ex2.Arn)
	if got.Status != "ABORTED" || deref(got.Error) != "Why" {
		t.Errorf("after stop: %s %s", got.Status, deref(got.Error))
	}
	evs, _ := st.History(ctx, ex2.Arn, 0, 100, false)
	if last := evs[len(evs)-1]; last.Type != "ExecutionAborted" {
		t.Errorf("last event %s", last.Type)
	}
}

// TestUpdateKeepsRunningDefinition: an execution waiting in a timer when its state machine is
// updated goes on with the definition it started with, as on AWS (its node parked it, so the
// timer reloads it from the store).
func TestUpdateKeepsRunningDefinition(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","Result":"old","End":true}}}`)
	n := newNode(st, "a")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx)
	ex, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	sm.Definition = `{"StartAt":"X","States":{"X":{"Type":"Pass","Result":"new","End":true}}}`
	sm.RevisionID = "2"
	if err := st.UpdateStateMachine(ctx, sm); err != nil {
		t.Fatal(err)
	}
	waitDone(t, st, []string{ex.Arn}, 5*time.Second)
	got, _ := st.GetExecution(ctx, ex.Arn)
	if deref(got.Output) != `"old"` {
		t.Errorf("output %s, want the original definition's", deref(got.Output))
	}
}

// TestInterpreterPanicAbortsOneExecution: when the interpreter panics on an execution (here:
// its definition was replaced behind its back, keeping the revision id), the node survives
// and aborts that execution with States.Runtime.
func TestInterpreterPanicAbortsOneExecution(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":1,"Next":"P"},"P":{"Type":"Pass","End":true}}}`)
	a := newNode(st, "a") // never runs: b fires the timer with the replaced definition
	ex, err := a.Start(context.Background(), runner.StartRequest{StateMachine: sm, Name: "e", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	sm.Definition = `{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}` // same RevisionID
	if err := st.UpdateStateMachine(context.Background(), sm); err != nil {
		t.Fatal(err)
	}
	b := newNode(st, "b")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	deadline := time.Now().Add(5 * time.Second)
	for {
		got, _ := st.GetExecution(ctx, ex.Arn)
		if got.Status != "RUNNING" {
			if got.Status != "ABORTED" || deref(got.Error) != "States.Runtime" {
				t.Fatalf("%s %s %s", got.Status, deref(got.Error), deref(got.Cause))
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still running")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// recordingStore keeps the commits of CreateExecution.
type recordingStore struct {
	store.Store
	creates []store.Commit
}

func (r *recordingStore) CreateExecution(ctx context.Context, c store.Commit) error {
	r.creates = append(r.creates, c)
	return r.Store.CreateExecution(ctx, c)
}

// StartExecution answers once the start is durable, whatever the first states compute: the
// execution is created with ExecutionStarted alone, its timeout, a timer due at once for its
// first state (should this node die before running it), and this node's lease; its states
// run after.
func TestStartCommitsTheStartAlone(t *testing.T) {
	rec := &recordingStore{Store: openStore(t)}
	n := newNode(rec, "n1")
	ctx := context.Background()
	// Unbounded, this evaluation runs for minutes (issue #15).
	slow := createMachine(t, rec, `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $sum([1..100000].($sum([1..100000]))) %}","End":true}}}`)
	start := time.Now()
	ex, err := n.Start(ctx, runner.StartRequest{StateMachine: slow, Name: "e1", Input: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took > 200*time.Millisecond {
		t.Errorf("Start took %v", took)
	}
	if len(rec.creates) != 1 {
		t.Fatalf("%d creates, want 1", len(rec.creates))
	}
	c := rec.creates[0]
	if len(c.Events) != 1 || c.Events[0].Type != "ExecutionStarted" || len(c.NewTimers) != 2 || c.Lease.Owner != "n1" {
		t.Errorf("create: %d events, timers %v, lease %+v; want ExecutionStarted, the timeout and one due at once, held by n1", len(c.Events), c.NewTimers, c.Lease)
	}
	if len(c.NewTimers) == 2 && !c.NewTimers[1].Due.Equal(ex.StartedAt) {
		t.Errorf("first-state timer due %v, want %v", c.NewTimers[1].Due, ex.StartedAt)
	}
	got := waitEnded(t, rec, ex.Arn, 20*time.Second)
	if got.Status != "FAILED" || got.Error == nil || *got.Error != "States.QueryEvaluationError" {
		t.Fatalf("ended: %s %s", got.Status, deref(got.Error))
	}
}

// TestStartCommitsQuickStatesWithIt: the first states of an ordinary machine are computed
// within startWait and committed with the start, in one write, with no timer for them.
func TestStartCommitsQuickStatesWithIt(t *testing.T) {
	rec := &recordingStore{Store: openStore(t)}
	n := newNode(rec, "n1")
	sm := createMachine(t, rec, `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Result":"done","End":true}}}`)
	ex, err := n.Start(context.Background(), runner.StartRequest{StateMachine: sm, Name: "e1", Input: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.creates) != 1 {
		t.Fatalf("%d creates, want 1", len(rec.creates))
	}
	c := rec.creates[0]
	var types []string
	for _, e := range c.Events {
		types = append(types, e.Type)
	}
	if got := strings.Join(types, " "); got != "ExecutionStarted PassStateEntered PassStateExited PassStateEntered PassStateExited ExecutionSucceeded" {
		t.Errorf("the start's write holds %s", got)
	}
	if got := waitEnded(t, rec, ex.Arn, 5*time.Second); got.Status != "SUCCEEDED" {
		t.Errorf("ended %s", got.Status)
	}
}

// failingStore fails every Commit while failing is set, as a server that refuses connections
// would.
type failingStore struct {
	store.Store
	failing atomic.Bool
	failed  atomic.Int64
}

func (f *failingStore) Commit(ctx context.Context, c store.Commit) error {
	if f.failing.Load() {
		f.failed.Add(1)
		return fmt.Errorf("failed to connect: sorry, too many clients already")
	}
	return f.Store.Commit(ctx, c)
}

// A task's outcome that cannot be committed because the store fails for a while is committed
// once the store is back: the execution does not hang waiting for it.
func TestNodeRetriesCommitsWhenTheStoreFails(t *testing.T) {
	fs := &failingStore{Store: openStore(t)}
	sm := createMachine(t, fs, `{"StartAt":"Work","States":{
		"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`)
	release := make(chan struct{})
	tasks := runner.TaskFunc(func(ctx context.Context, _ *engine.Task) (string, error) {
		<-release
		return `{"StatusCode":200,"Payload":{}}`, nil
	})
	n := runner.NewNode(runner.NodeOptions{Store: fs, Region: "us-east-1", Account: "123456789012",
		Tasks: tasks, Owner: "a", LeaseTTL: 600 * time.Millisecond, Poll: 50 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- n.Run(ctx) }()
	ex, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "flaky-store", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // TaskStarted is committed
	fs.failing.Store(true)
	close(release)
	time.Sleep(300 * time.Millisecond)
	fs.failing.Store(false)
	waitDone(t, fs, []string{ex.Arn}, 10*time.Second)
	if fs.failed.Load() == 0 {
		t.Fatal("no commit failed: the test did not test anything")
	}
	cancel()
	<-done
}

// An execution reloaded from the store (here after sleeping in a Wait state, parked) keeps its
// numbers exactly: an integer beyond 2^53 is not rounded through float64.
func TestNodeReloadKeepsNumbers(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, `{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":1,"End":true}}}`)
	n := newNode(st, "a")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- n.Run(ctx) }()
	ex, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "big", Input: `{"n":12345678901234567891,"f":0.1}`})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, st, []string{ex.Arn}, 10*time.Second)
	got, err := st.GetExecution(ctx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if deref(got.Output) != `{"n":12345678901234567891,"f":0.1}` {
		t.Errorf("output %s", deref(got.Output))
	}
	cancel()
	<-done
}

// TestNodeAnswerBeforeSubmitted: a worker that answers a callback task while its request is
// still going out (it read the message before the node recorded the task as sent) does not
// overtake it: the history has TaskSubmitted before TaskSucceeded, as on AWS.
func TestNodeAnswerBeforeSubmitted(t *testing.T) {
	st := openStore(t)
	def := `{"StartAt":"Ask","States":{
		"Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},"End":true}}}`
	sm := createMachine(t, st, def)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n *runner.Node
	answered := make(chan error, 1)
	n = runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", LeaseTTL: time.Second,
		Tasks: runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) {
			go func() {
				answered <- n.Answer(ctx, task.Token, engine.Event{Kind: engine.TaskSucceeded, Output: `{"answer":42}`})
			}()
			time.Sleep(200 * time.Millisecond) // the request is slow to come back; the answer is quicker
			return `{"MessageId":"m-1"}`, nil
		})})
	go n.Run(ctx)
	ex, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "early", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, st, []string{ex.Arn}, 5*time.Second)
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	checkHistory(t, st, ex.Arn, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
		"TaskSubmitted", "TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"})
}

// A task scheduled and cancelled in the same step runs nowhere: a Parallel state whose one
// branch schedules a Lambda function while another fails at once aborts the first branch in
// the step that scheduled its task. The store inserts a step's tasks after it deletes the
// cancelled ones, so the task was stored and dispatched, and the function invoked for a
// branch already aborted.
func TestNodeDropsTaskCancelledInItsStep(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, `{"StartAt":"P","States":{
		"P":{"Type":"Parallel","Branches":[
			{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}},
			{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}],
		"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}],"Next":"Done"},
		"Done":{"Type":"Succeed"}}}`)
	var invoked atomic.Int64
	n := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", Owner: "a",
		LeaseTTL: 600 * time.Millisecond, Poll: 50 * time.Millisecond,
		Tasks: runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
			invoked.Add(1)
			return `{}`, nil
		})})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error)
	go func() { done <- n.Run(ctx) }()
	ex, err := n.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `{}`})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, st, []string{ex.Arn}, 10*time.Second)
	time.Sleep(200 * time.Millisecond) // a dispatched task would have run by now
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := invoked.Load(); got != 0 {
		t.Errorf("the aborted branch's task ran %d times", got)
	}
	evs, err := st.History(context.Background(), ex.Arn, 0, 100, false)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range evs {
		types = append(types, e.Type)
	}
	if !slices.Contains(types, "TaskScheduled") || !slices.Contains(types, "TaskStateAborted") {
		t.Errorf("history %v: want the task scheduled and its state aborted", types)
	}
}
