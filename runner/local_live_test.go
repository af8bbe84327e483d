package runner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
)

// runLive runs def as an Express execution on the real clock with the given tasks.
func runLive(t *testing.T, def string, tasks TaskFunc) (*engine.Execution, []history.Event, time.Duration) {
	t.Helper()
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{Type: "EXPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{Express: true})
	t0 := time.Now()
	ex, events, err := Local(context.Background(), in, engine.Start{
		ExecutionArn:    "arn:aws:states:us-east-1:123456789012:express:m:e:0d6f5b1e-2f4c-4a53-9d3e-2b0f6c1b5a10",
		Name:            "e",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m",
		Input: "{}",
	}, LocalOptions{Tasks: tasks})
	if err != nil {
		t.Fatal(err)
	}
	return ex, events, time.Since(t0)
}

// slowTask answers after 10 s unless its context ends first, and then sends why on cause.
func slowTask(cause chan<- error) TaskFunc {
	return func(ctx context.Context, tk *engine.Task) (string, error) {
		select {
		case <-ctx.Done():
			cause <- context.Cause(ctx)
			return "", ctx.Err()
		case <-time.After(10 * time.Second):
			return `{}`, nil
		}
	}
}

func types(events []history.Event) string {
	var b strings.Builder
	for _, e := range events {
		fmt.Fprintf(&b, "%s ", e.Type)
	}
	return b.String()
}

func branch(name, extra string) string {
	return `{"StartAt":"` + name + `","States":{"` + name + `":{"Type":"Task",` + extra +
		`"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload":{"n":"` + name + `"}},"End":true}}}`
}

// A Parallel state's branches call their tasks at the same time on the real clock: each task
// here returns only once all three have started, which one at a time never happens.
func TestLiveTasksRunTogether(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[` +
		branch("A", "") + `,` + branch("B", "") + `,` + branch("C", "") + `]}}}`
	var started atomic.Int32
	all := make(chan struct{})
	ex, events, _ := runLive(t, def, func(ctx context.Context, tk *engine.Task) (string, error) {
		if started.Add(1) == 3 {
			close(all)
		}
		select {
		case <-all:
			return `{"ok":true}`, nil
		case <-time.After(10 * time.Second):
			return "", errors.New("the other branches' tasks never started")
		}
	})
	if ex.Status != engine.Succeeded {
		t.Fatalf("status %s, error %v, cause %v: %s", ex.Status, deref(ex.Error), deref(ex.Cause), types(events))
	}
	if got := strings.Count(types(events), "TaskSucceeded"); got != 3 {
		t.Fatalf("%d tasks succeeded: %s", got, types(events))
	}
}

// A task's TimeoutSeconds and HeartbeatSeconds end it while it runs, as on a node: the state
// fails with States.Timeout (here caught), and the integration's context is cancelled with
// ErrTaskCancelled.
func TestLiveTaskTimeouts(t *testing.T) {
	for _, field := range []string{`"TimeoutSeconds":1,`, `"HeartbeatSeconds":1,`} {
		t.Run(strings.Split(field, `"`)[1], func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task",` + field + `"Resource":"arn:aws:states:::lambda:invoke",
				"Parameters":{"FunctionName":"f"},"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Caught"}],"End":true},
				"Caught":{"Type":"Pass","End":true}}}`
			cause := make(chan error, 1)
			ex, events, took := runLive(t, def, slowTask(cause))
			if ex.Status != engine.Succeeded || !strings.Contains(types(events), "TaskTimedOut") || !strings.Contains(ex.Output, "States.Timeout") {
				t.Fatalf("status %s, output %s: %s", ex.Status, ex.Output, types(events))
			}
			if took > 5*time.Second {
				t.Fatalf("the execution took %v: the timeout did not end the task", took)
			}
			if err := <-cause; !errors.Is(err, ErrTaskCancelled) {
				t.Fatalf("the task's context ended with %v, want ErrTaskCancelled", err)
			}
		})
	}
}

// The execution's own limit ends it while a task runs: TIMED_OUT, and the task is cancelled.
func TestLiveExecutionTimeoutDuringTask(t *testing.T) {
	def := `{"TimeoutSeconds":1,"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke",
		"Parameters":{"FunctionName":"f"},"End":true}}}`
	var cancelled atomic.Bool
	ex, events, took := runLive(t, def, func(ctx context.Context, tk *engine.Task) (string, error) {
		select {
		case <-ctx.Done():
			cancelled.Store(true)
			return "", ctx.Err()
		case <-time.After(10 * time.Second):
			return `{}`, nil
		}
	})
	if ex.Status != engine.TimedOut || events[len(events)-1].Type != "ExecutionTimedOut" {
		t.Fatalf("status %s: %s", ex.Status, types(events))
	}
	if took > 5*time.Second || !cancelled.Load() {
		t.Fatalf("took %v, task cancelled %v", took, cancelled.Load())
	}
}

func deref(s *string) string {
	if s == nil {
		return "<nil>"
	}
	return *s
}

// An inline Map state runs at most 40 iterations at once, as AWS documents Inline mode,
// whatever its MaxConcurrency; below 40, MaxConcurrency holds.
func TestLiveInlineMapConcurrency(t *testing.T) {
	for _, c := range []struct {
		max  string
		want int32
	}{{"", 40}, {`"MaxConcurrency":0,`, 40}, {`"MaxConcurrency":100,`, 40}, {`"MaxConcurrency":7,`, 7}} {
		t.Run(c.max, func(t *testing.T) {
			def := `{"StartAt":"M","States":{"M":{"Type":"Map",` + c.max + `"ItemsPath":"$.items","ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task",
				"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f","Payload.$":"$"},"OutputPath":"$.Payload","End":true}}},"End":true}}}`
			sm, err := asl.Parse([]byte(def), asl.ValidateOptions{Type: "EXPRESS"})
			if err != nil {
				t.Fatal(err)
			}
			items := make([]string, 100)
			for i := range items {
				items[i] = fmt.Sprint(i)
			}
			var now, most atomic.Int32
			tasks := TaskFunc(func(ctx context.Context, tk *engine.Task) (string, error) {
				n := now.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				time.Sleep(20 * time.Millisecond)
				now.Add(-1)
				return `{"Payload":1}`, nil
			})
			ex, _, err := Local(context.Background(), engine.New(sm, engine.Config{Express: true}), engine.Start{
				ExecutionArn: "arn:aws:states:us-east-1:123456789012:express:m:e:u", Name: "e",
				StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m",
				Input: `{"items":[` + strings.Join(items, ",") + `]}`,
			}, LocalOptions{Tasks: tasks})
			if err != nil || ex.Status != engine.Succeeded {
				t.Fatalf("%v %s", err, ex.Status)
			}
			if got := most.Load(); got != c.want {
				t.Fatalf("%d iterations ran at once, want %d", got, c.want)
			}
		})
	}
}

// A panicking integration fails its task, with the panic in the cause, on either clock,
// rather than taking the process down.
func TestLocalTaskPanic(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{Type: "EXPRESS"})
	if err != nil {
		t.Fatal(err)
	}
	for _, skip := range []bool{false, true} {
		var logged strings.Builder
		ex, _, err := Local(context.Background(), engine.New(sm, engine.Config{Express: true}), engine.Start{
			ExecutionArn: "arn:aws:states:us-east-1:123456789012:express:m:e:u", Name: "e",
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m", Input: "{}",
		}, LocalOptions{TimeSkipping: skip, Logger: slog.New(slog.NewTextHandler(&logged, nil)), Tasks: TaskFunc(func(ctx context.Context, tk *engine.Task) (string, error) {
			var m map[string]int
			m["boom"]++ // a nil map: the kind of bug an integration may have
			return "{}", nil
		})})
		if err != nil || ex.Status != engine.Failed || deref(ex.Error) != "States.TaskFailed" ||
			!strings.Contains(deref(ex.Cause), "an internal error") || !strings.Contains(deref(ex.Cause), "nil map") {
			t.Errorf("time skipping %v: %v, %s %s: %s", skip, err, ex.Status, deref(ex.Error), deref(ex.Cause))
		}
		if !strings.Contains(logged.String(), "integration panic") || !strings.Contains(logged.String(), "stack=") {
			t.Errorf("time skipping %v: the options' logger got %q, want the panic and its stack", skip, logged.String())
		}
	}
}

// A panic of the interpreter (here, on an execution whose state names a state its machine lacks) is returned as
// ErrInternal rather than taking the process down.
func TestLocalInterpreterPanic(t *testing.T) {
	sm, err := asl.Parse([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{})
	now := time.Now()
	ex := &engine.Execution{ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:e", Status: engine.Failed, StartTime: now, StopTime: now,
		Root: &engine.Frame{State: "NoSuchState"}}
	var logged strings.Builder
	_, err = LocalRedrive(context.Background(), in, ex, time.Time{}, LocalOptions{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	if !errors.Is(err, ErrInternal) {
		t.Fatalf("err %v, want ErrInternal", err)
	}
	if !strings.Contains(logged.String(), "interpreter panic") {
		t.Errorf("the options' logger got %q, want the panic", logged.String())
	}
}

// On the virtual clock a task's own limits still hold in real time: a task that runs past
// its TimeoutSeconds, its HeartbeatSeconds or the execution's TimeoutSeconds times out then,
// at that time on the virtual clock, and is cancelled; a quick one answers at the time it
// started, the clock standing still, and a Wait after it passes at once.
func TestSkippingTaskLimits(t *testing.T) {
	task := func(field string) string {
		return `"T":{"Type":"Task",` + field + `"Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
			"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"Caught"}],"Next":"W"},
			"W":{"Type":"Wait","Seconds":86400,"End":true},"Caught":{"Type":"Pass","End":true}`
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, def string
		slow      bool
		status    engine.Status
		last      string
		at        time.Duration // the last event's time on the virtual clock, after the start
	}{
		{"TimeoutSeconds", `{"StartAt":"T","States":{` + task(`"TimeoutSeconds":1,`) + `}}`, true, engine.Succeeded, "ExecutionSucceeded", time.Second},
		{"HeartbeatSeconds", `{"StartAt":"T","States":{` + task(`"HeartbeatSeconds":1,`) + `}}`, true, engine.Succeeded, "ExecutionSucceeded", time.Second},
		{"the execution's TimeoutSeconds", `{"TimeoutSeconds":1,"StartAt":"T","States":{` + task(``) + `}}`, true, engine.TimedOut, "ExecutionTimedOut", time.Second},
		{"a quick task", `{"StartAt":"T","States":{` + task(`"TimeoutSeconds":1,`) + `}}`, false, engine.Succeeded, "ExecutionSucceeded", 24 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			sm, err := asl.Parse([]byte(c.def), asl.ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			cause := make(chan error, 1)
			tasks := slowTask(cause)
			if !c.slow {
				tasks = func(ctx context.Context, tk *engine.Task) (string, error) {
					time.Sleep(20 * time.Millisecond) // real time that the virtual clock does not see
					return `{}`, nil
				}
			}
			t0 := time.Now()
			ex, events, err := Local(context.Background(), engine.New(sm, engine.Config{}), engine.Start{
				ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:e", Name: "e",
				StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m",
				Input: "{}", Time: start}, LocalOptions{Tasks: tasks, TimeSkipping: true})
			took := time.Since(t0)
			if err != nil {
				t.Fatal(err)
			}
			last := events[len(events)-1]
			if ex.Status != c.status || last.Type != c.last || !last.Timestamp.Time.Equal(start.Add(c.at)) {
				t.Fatalf("status %s, last %s at %v: %s", ex.Status, last.Type, last.Timestamp.Time, types(events))
			}
			if took > 5*time.Second {
				t.Fatalf("the execution took %v", took)
			}
			if c.slow {
				if err := <-cause; !errors.Is(err, ErrTaskCancelled) {
					t.Fatalf("the task's context ended with %v, want ErrTaskCancelled", err)
				}
			}
		})
	}
}
