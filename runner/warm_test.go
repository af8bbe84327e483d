package runner_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/internal/pgtest"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/postgres"
)

// TestWarmStateAfterPark: a node that parks an execution and fires its timer itself does not
// decode the state it committed; once another node has committed a step of it, the node
// decodes the stored state rather than run on from its own, older one.
func TestWarmStateAfterPark(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { warmStateAfterPark(t, openStore(t)) })
	t.Run("postgres", func(t *testing.T) {
		pgtest.Connect(t).Close(context.Background()) // skips, saying so, when no server answers
		st, err := postgres.Open(context.Background(), pgtest.FreshSchema(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		warmStateAfterPark(t, st)
	})
}

func warmStateAfterPark(t *testing.T, st store.Store) {
	sm := createMachine(t, st, `{"StartAt":"Ask","States":{
		"Ask":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"Next":"Nap"},
		"Nap":{"Type":"Wait","Seconds":1,"Next":"Nap2"},
		"Nap2":{"Type":"Wait","Seconds":1,"End":true}}}`)
	var token atomic.Value
	opts := runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012", LeaseTTL: 600 * time.Millisecond,
		Poll: 50 * time.Millisecond, Owner: "a", Tasks: runner.TaskFunc(func(ctx context.Context, t *engine.Task) (string, error) {
			token.Store(t.Token)
			return `{"StatusCode":202}`, nil
		})}
	a := runner.NewNode(opts)
	opts.Owner = "b"
	b := runner.NewNode(opts) // answers the callback only: its loop does not run, a fires the timers
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go a.Run(ctx)

	// Answered on a itself: every wake-up after a park finds the state a committed.
	answer := func(n *runner.Node, name string) string {
		t.Helper()
		token.Store("")
		ex, err := a.Start(ctx, runner.StartRequest{StateMachine: sm, Name: name, Input: `{}`})
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(5 * time.Second); token.Load() == ""; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the task was never dispatched")
			}
		}
		time.Sleep(100 * time.Millisecond) // TaskSubmitted commits, and a parks the execution
		if err := n.Answer(ctx, token.Load().(string), engine.Event{Kind: engine.TaskSucceeded, Output: `{"by":"` + name + `"}`}); err != nil {
			t.Fatal(err)
		}
		return ex.Arn
	}
	own := answer(a, "own")
	waitDone(t, st, []string{own}, 10*time.Second)
	if n := a.Stats.StatesDecoded.Load(); n != 0 {
		t.Errorf("node a decoded %d states of an execution only it ran", n)
	}
	checkHistory(t, st, own, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
		"TaskSucceeded", "TaskStateExited", "WaitStateEntered", "WaitStateExited", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"})

	// Answered on b: b commits a step, and a, which fires the timer, must read it.
	other := answer(b, "other")
	waitDone(t, st, []string{other}, 10*time.Second)
	if n := a.Stats.StatesDecoded.Load(); n == 0 {
		t.Error("node a did not decode the state node b committed")
	}
	got, _ := st.GetExecution(ctx, other)
	if deref(got.Output) != `{"by":"other"}` {
		t.Errorf("output %s", deref(got.Output))
	}
	checkHistory(t, st, other, []string{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted", "TaskSubmitted",
		"TaskSucceeded", "TaskStateExited", "WaitStateEntered", "WaitStateExited", "WaitStateEntered", "WaitStateExited", "ExecutionSucceeded"})
}
