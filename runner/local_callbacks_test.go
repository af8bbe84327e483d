package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
)

// TestLocalCallbacks: on the virtual clock with Callbacks, a .waitForTaskToken task's
// handler sends the request (TaskSubmitted) and the task waits, in real time, for its
// callback on Answers: a heartbeat keeps it, SendTaskSuccess gives its result, a token no
// task holds is ErrNoTask; with no callback, its HeartbeatSeconds times it out when it is due
// in real time, and the clock skips again after it (the Wait of a day passes at once).
// Without Answers the run is stuck at once; without Callbacks the handler's answer is the
// result.
func TestLocalCallbacks(t *testing.T) {
	def := `{"StartAt":"Ask","States":{"Ask":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
		"Parameters":{"QueueUrl":"q","MessageBody.$":"$$.Task.Token"},"TimeoutSeconds":2,"HeartbeatSeconds":1,
		"Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.timedOut","Next":"W"}],"Next":"W"},
		"W":{"Type":"Wait","Seconds":86400,"End":true}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	run := func(opts LocalOptions) (*engine.Execution, string, time.Duration, error) {
		opts.TimeSkipping = true
		opts.Tasks = TaskFunc(func(ctx context.Context, tk *engine.Task) (string, error) { return `{"MessageId":"m"}`, nil })
		t0 := time.Now()
		ex, events, err := Local(context.Background(), engine.New(sm, engine.Config{}), engine.Start{
			ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:e", Name: "e",
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m",
			Input: "{}", Time: start}, opts)
		return ex, types(events), time.Since(t0), err
	}
	answer := func(answers chan<- Answer, token string, ev engine.Event) error {
		done := make(chan error, 1)
		answers <- Answer{Token: token, Event: ev, Done: done}
		return <-done
	}

	t.Run("answered", func(t *testing.T) {
		answers := make(chan Answer)
		errs := make(chan error, 3)
		opts := LocalOptions{Callbacks: true, Answers: answers, OnAwait: func(token string, waiting bool) {
			if !waiting {
				return
			}
			go func() {
				errs <- answer(answers, "not-a-token", engine.Event{Kind: engine.TaskHeartbeat})
				time.Sleep(600 * time.Millisecond) // past half the heartbeat: the heartbeat keeps it
				errs <- answer(answers, token, engine.Event{Kind: engine.TaskHeartbeat})
				time.Sleep(600 * time.Millisecond)
				errs <- answer(answers, token, engine.Event{Kind: engine.TaskSucceeded, Output: `{"approved":true}`})
			}()
		}}
		ex, history, took, err := run(opts)
		if err != nil || ex.Status != engine.Succeeded || ex.Output != `{"approved":true}` {
			t.Fatalf("%v %s %s: %s", err, ex.Status, ex.Output, history)
		}
		if e := <-errs; e != ErrNoTask {
			t.Errorf("an unknown token: %v", e)
		}
		if e1, e2 := <-errs, <-errs; e1 != nil || e2 != nil {
			t.Errorf("the heartbeat and the answer: %v %v", e1, e2)
		}
		if want := "TaskStarted TaskSubmitted TaskSucceeded"; !strings.Contains(history, want) || took > 5*time.Second {
			t.Errorf("took %v: %s", took, history)
		}
	})
	t.Run("timed out", func(t *testing.T) {
		ex, history, took, err := run(LocalOptions{Callbacks: true, Answers: make(chan Answer)})
		if err != nil || ex.Status != engine.Succeeded || !strings.Contains(history, "TaskSubmitted TaskTimedOut") || took < 900*time.Millisecond || took > 5*time.Second {
			t.Fatalf("%v %s in %v: %s", err, ex.Status, took, history)
		}
		if ex.StopTime.Sub(start) != 86401*time.Second {
			t.Errorf("stopped at %v, want the timeout (1 s) and the day's Wait after it", ex.StopTime.Sub(start))
		}
	})
	t.Run("no answers", func(t *testing.T) {
		if _, history, _, err := run(LocalOptions{Callbacks: true}); err != ErrStuck {
			t.Fatalf("%v: %s", err, history)
		}
	})
	t.Run("no callbacks", func(t *testing.T) {
		if ex, history, _, err := run(LocalOptions{}); err != nil || ex.Output != `{"MessageId":"m"}` {
			t.Fatalf("%v %s: %s", err, ex.Output, history)
		}
	})
}
