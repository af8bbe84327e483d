package runner_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/runner"
	"github.com/stepwise-run/stepwise/store"
)

// TestNodeTimeSkipping: on a node with TimeSkipping, a week of Waits and a retry's back-off
// pass at once, in order, with the virtual times in the history; a task in flight holds the
// clock; a pending task token stops the skipping when OnIdle says so.
func TestNodeTimeSkipping(t *testing.T) {
	cases := []struct {
		name, def string
		status    string
		// minSpan is the least virtual time the execution must span.
		minSpan time.Duration
		// skipCallbacks is what OnIdle answers while a callback is pending.
		skipCallbacks bool
	}{
		{"a week of waits", `{"StartAt":"W1","States":{
			"W1":{"Type":"Wait","Seconds":302400,"Next":"T"},
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"Next":"W2"},
			"W2":{"Type":"Wait","Seconds":302400,"End":true}}}`, "SUCCEEDED", 7 * 24 * time.Hour, false},
		{"retries back off", `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"fail"},
				"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":3600,"MaxAttempts":2,"BackoffRate":2}],"End":true}}}`,
			"FAILED", 3 * time.Hour, false},
		{"timeout before the wait", `{"TimeoutSeconds":60,"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":3600,"End":true}}}`,
			"TIMED_OUT", time.Minute, false},
		{"a callback times out when skipping past it", `{"StartAt":"T","States":{
			"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","TimeoutSeconds":86400,
				"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`, "FAILED", 24 * time.Hour, true},
		// States take no virtual time, but each yield's work (5,000 states) takes a second, as
		// in Local (TestLocalYieldTakesVirtualTime): 6,000 states yield once. (Not in the
		// start's own call, whose first yield the node runs on at once, taking no time.)
		{"a yield takes a second", `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"M"},
			"M":{"Type":"Map","ItemsPath":"$.items","End":true,
			"ItemProcessor":{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}}}}`,
			"SUCCEEDED", time.Minute + time.Second, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st := openStore(t)
			sm := createMachine(t, st, c.def)
			var inTask atomic.Int64
			var idleWhileInTask atomic.Bool
			var node *runner.Node
			node = runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012",
				TimeSkipping: true, Poll: 50 * time.Millisecond, LeaseTTL: time.Second,
				OnIdle: func(w runner.Idle) bool {
					if inTask.Load() != 0 {
						idleWhileInTask.Store(true)
					}
					return w.Callbacks == 0 || c.skipCallbacks
				},
				Tasks: runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) {
					inTask.Add(1)
					defer inTask.Add(-1)
					time.Sleep(20 * time.Millisecond) // long enough for the node to look, were it idle
					if task.Parameters == `{"FunctionName":"fail"}` {
						return "", &runner.TaskError{Name: "Boom", Cause: "fails"}
					}
					return `{"Payload":{}}`, nil
				})})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error)
			go func() { done <- node.Run(ctx) }()
			defer func() { cancel(); <-done }()
			began := time.Now()
			ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: `{"items":[` + strings.Repeat("1,", 2999) + `1]}`})
			if err != nil {
				t.Fatal(err)
			}
			wctx, wcancel := context.WithTimeout(ctx, 20*time.Second)
			defer wcancel()
			end, err := node.WaitEnded(wctx, ex.Arn)
			if err != nil {
				t.Fatal(err)
			}
			if end.Status != c.status {
				t.Fatalf("status %s, want %s (%v %v)", end.Status, c.status, deref(end.Error), deref(end.Cause))
			}
			if span := end.StoppedAt.Sub(end.StartedAt); span < c.minSpan {
				t.Errorf("virtual span %s, want at least %s", span, c.minSpan)
			}
			if real := time.Since(began); real > 10*time.Second {
				t.Errorf("took %s of real time", real)
			}
			if idleWhileInTask.Load() {
				t.Error("OnIdle was called while a task ran")
			}
			if now := node.Now(); now.Before(*end.StoppedAt) {
				t.Errorf("node clock %s is behind the execution's stop %s", now, end.StoppedAt)
			}
		})
	}
}

// TestNodeCallbackHoldsClock: while a task token is pending and OnIdle declines to skip,
// the clock stays; SendTaskSuccess then lets the execution go on and skip its next Wait.
func TestNodeCallbackHoldsClock(t *testing.T) {
	st := openStore(t)
	sm := createMachine(t, st, `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken",
			"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"Next":"W"},
		"W":{"Type":"Wait","Seconds":86400,"End":true}}}`)
	idles := make(chan runner.Idle, 100)
	node := runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012",
		TimeSkipping: true, Poll: 50 * time.Millisecond, LeaseTTL: time.Second,
		OnIdle: func(w runner.Idle) bool {
			select {
			case idles <- w:
			default:
			}
			return w.Callbacks == 0
		},
		Tasks: runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) { return `{}`, nil })})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- node.Run(ctx) }()
	defer func() { cancel(); <-done }()
	ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: "{}"})
	if err != nil {
		t.Fatal(err)
	}
	var w runner.Idle
	for w = range idles {
		if w.Callbacks > 0 {
			break
		}
	}
	if !w.OnlyTimeouts {
		t.Errorf("the only timer left should be the execution's time limit: %+v", w)
	}
	before := node.Now()
	time.Sleep(200 * time.Millisecond)
	if d := node.Now().Sub(before); d > time.Hour {
		t.Fatalf("the clock moved %s while a callback was pending", d)
	}
	pending, err := st.PendingTasks(ctx, 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending %v %v", pending, err)
	}
	if err := node.Answer(ctx, pending[0].Token, engine.Event{Kind: engine.TaskSucceeded, Output: `{}`}); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(ctx, 10*time.Second)
	defer wcancel()
	end, err := node.WaitEnded(wctx, ex.Arn)
	if err != nil {
		t.Fatal(err)
	}
	if end.Status != "SUCCEEDED" || end.StoppedAt.Sub(end.StartedAt) < 24*time.Hour {
		t.Errorf("%s after %s", end.Status, end.StoppedAt.Sub(end.StartedAt))
	}
}

// startsWhileIdleReads is a store in which the node's first look at its pending tasks (while
// it is idle, skip.go) lets a whole start happen before it answers, with what it read before:
// what idle reads next (the timers) is then from after that start.
type startsWhileIdleReads struct {
	store.Store
	once   sync.Once
	during func()
}

func (s *startsWhileIdleReads) PendingTasks(ctx context.Context, n int) ([]store.Task, error) {
	tasks, err := s.Store.PendingTasks(ctx, n)
	s.once.Do(s.during)
	return tasks, err
}

// TestNodeIdleSeesNoHalfStart: an execution that starts, and sends its callback's request,
// while the idle node reads the store must not let the clock jump: the idle node read no task
// yet, but the timeout timer its task started, and its work count went up and down again in
// between. Before the node counted the work begun, it jumped the day to the task's timeout.
func TestNodeIdleSeesNoHalfStart(t *testing.T) {
	base := openStore(t)
	sm := createMachine(t, base, `{"StartAt":"T","States":{
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","TimeoutSeconds":86400,
			"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`)
	st := &startsWhileIdleReads{Store: base}
	requested := make(chan struct{}, 1)
	var node *runner.Node
	node = runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012",
		TimeSkipping: true, Poll: 50 * time.Millisecond, LeaseTTL: time.Second,
		OnIdle: func(w runner.Idle) bool { return w.Callbacks == 0 },
		Tasks: runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) {
			requested <- struct{}{}
			return `{}`, nil
		})})
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan string, 1)
	st.during = func() {
		ex, err := node.Start(ctx, runner.StartRequest{StateMachine: sm, Name: "e", Input: "{}"})
		if err != nil {
			t.Error(err)
			close(started)
			return
		}
		started <- ex.Arn
		select {
		case <-requested:
		case <-time.After(10 * time.Second):
			t.Error("the task was not run")
		}
		time.Sleep(200 * time.Millisecond) // its request's commit, and the node's work count down to 0
	}
	done := make(chan error)
	go func() { done <- node.Run(ctx) }()
	defer func() { cancel(); <-done }()
	var arn string
	select {
	case arn = <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("the node never looked at its pending tasks")
	}
	time.Sleep(500 * time.Millisecond) // the stale look, then fresh ones
	row, err := base.GetExecution(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if row.Status != "RUNNING" {
		t.Fatalf("the execution waiting for its callback is %s (%s): the clock jumped %s", row.Status, deref(row.Error), node.Now().Sub(time.Now()).Round(time.Hour))
	}
}

// TestNodeNoJumpPastWorkBegunWhileDeciding: work that begins while OnIdle decides (here
// OnIdle itself starts an execution whose callback task times out in a minute, before the
// day-long Wait the node would jump to) keeps the clock where it is: the jump would pass the
// new task's timeout while its callback is pending.
func TestNodeNoJumpPastWorkBegunWhileDeciding(t *testing.T) {
	st := openStore(t)
	waiter := createMachine(t, st, `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":86400,"End":true}}}`)
	asker := &store.StateMachine{Arn: "arn:aws:states:us-east-1:123456789012:stateMachine:ask", Name: "ask", Type: "STANDARD",
		Definition: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke.waitForTaskToken","TimeoutSeconds":60,
			"Parameters":{"FunctionName":"f","Payload":{"token.$":"$$.Task.Token"}},"End":true}}}`,
		RoleArn: "arn:aws:iam::123456789012:role/r", Status: "ACTIVE", RevisionID: "1", Config: "{}", CreatedAt: time.Now(), UpdatedAt: time.Now()}
	if err := st.CreateStateMachine(context.Background(), asker); err != nil {
		t.Fatal(err)
	}
	requested := make(chan struct{}, 1)
	started := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	var once sync.Once
	var node *runner.Node
	node = runner.NewNode(runner.NodeOptions{Store: st, Region: "us-east-1", Account: "123456789012",
		TimeSkipping: true, Poll: 50 * time.Millisecond, LeaseTTL: time.Second,
		OnIdle: func(w runner.Idle) bool {
			if w.Next.IsZero() {
				return w.Callbacks == 0
			}
			once.Do(func() {
				ex, err := node.Start(ctx, runner.StartRequest{StateMachine: asker, Name: "ask", Input: "{}"})
				if err != nil {
					t.Error(err)
					close(started)
					return
				}
				<-requested
				time.Sleep(200 * time.Millisecond) // its request's commit, and the work count down to 0
				started <- ex.Arn
			})
			return w.Callbacks == 0
		},
		Tasks: runner.TaskFunc(func(ctx context.Context, task *engine.Task) (string, error) {
			requested <- struct{}{}
			return `{}`, nil
		})})
	done := make(chan error)
	go func() { done <- node.Run(ctx) }()
	defer func() { cancel(); <-done }()
	if _, err := node.Start(ctx, runner.StartRequest{StateMachine: waiter, Name: "wait", Input: "{}"}); err != nil {
		t.Fatal(err)
	}
	var arn string
	select {
	case arn = <-started:
	case <-time.After(10 * time.Second):
		t.Fatal("OnIdle never saw the Wait's timer")
	}
	time.Sleep(500 * time.Millisecond)
	row, err := st.GetExecution(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	if row.Status != "RUNNING" {
		t.Fatalf("the execution waiting for its callback is %s (%s): the clock jumped %s", row.Status, deref(row.Error), node.Now().Sub(time.Now()).Round(time.Minute))
	}
}

// TestLocalYieldTakesVirtualTime: on Local's virtual clock each yield's work (5,000 states
// entered) takes LocalOptions.YieldTime, a second by default, so that an Express execution
// looping through Pass and Choice states times out after its five minutes, as on AWS, rather
// than run for ever with its clock standing still.
func TestLocalYieldTakesVirtualTime(t *testing.T) {
	sm, err := asl.Parse([]byte(`{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
		"B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"C"}],"Default":"A"},
		"C":{"Type":"Succeed"}}}`), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		yield time.Duration
		// yields: how many a run of five minutes takes.
		yields int
	}{{0, 300}, {time.Minute, 5}} {
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		entered := 0
		ex, _, err := runner.Local(context.Background(), engine.New(sm, engine.Config{Region: "us-east-1", Express: true}),
			engine.Start{ExecutionArn: "arn:aws:states:us-east-1:123456789012:express:m:e:1", Name: "e",
				StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", Input: `{}`, Time: start},
			runner.LocalOptions{TimeSkipping: true, YieldTime: c.yield, NoHistory: true, OnEvents: func(evs []history.Event) {
				for _, e := range evs {
					if e.Type == "PassStateEntered" || e.Type == "ChoiceStateEntered" {
						entered++
					}
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		if ex.Status != engine.TimedOut || !ex.StopTime.Equal(start.Add(5*time.Minute)) {
			t.Fatalf("yield time %v: %s at %s, want TIMED_OUT five minutes after the start", c.yield, ex.Status, ex.StopTime)
		}
		// Each call yields after 5,000 states; the last is cut short by the time-out.
		if lo, hi := (c.yields-1)*5000, c.yields*5000; entered < lo || entered > hi {
			t.Errorf("yield time %v: %d states entered, want %d to %d", c.yield, entered, lo, hi)
		}
	}
}
