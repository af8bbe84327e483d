package runner

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
)

// TestLocalStopAt: on the virtual clock, StopAt stops the execution when its clock gets
// there (ExecutionAborted, no error or cause), a timer due at that very time included; a task
// that runs past it (a .sync child that says so with VirtualEnd) is stopped with its
// execution, and sees StopAt as its VirtualLimit when it comes before its own TimeoutSeconds.
func TestLocalStopAt(t *testing.T) {
	start := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	run := func(t *testing.T, def string, stopAt time.Duration, tasks TaskFunc) (*engine.Execution, string) {
		t.Helper()
		sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		opts := LocalOptions{TimeSkipping: true, Tasks: tasks}
		if stopAt > 0 {
			opts.StopAt = start.Add(stopAt)
		}
		ex, events, err := Local(context.Background(), engine.New(sm, engine.Config{}), engine.Start{
			ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:m:e", Name: "e",
			StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:m", StateMachineName: "m",
			Input: "{}", Time: start}, opts)
		if err != nil {
			t.Fatal(err)
		}
		return ex, types(events)
	}
	wait := func(seconds int) string {
		return `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":` + strconv.Itoa(seconds) + `,"Next":"P"},"P":{"Type":"Pass","End":true}}}`
	}
	for _, tc := range []struct {
		name    string
		def     string
		stopAt  time.Duration
		status  engine.Status
		stopped time.Duration // the execution's stop time
	}{
		{"no StopAt", wait(10), 0, engine.Succeeded, 10 * time.Second},
		{"before the Wait ends", wait(10), 5 * time.Second, engine.Aborted, 5 * time.Second},
		{"when the Wait ends", wait(10), 10 * time.Second, engine.Aborted, 10 * time.Second},
		{"after the Wait ends", wait(10), 11 * time.Second, engine.Succeeded, 10 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, events := run(t, tc.def, tc.stopAt, nil)
			if ex.Status != tc.status || !ex.StopTime.Equal(start.Add(tc.stopped)) {
				t.Fatalf("%s at %v, want %s at +%v; events %s", ex.Status, ex.StopTime, tc.status, tc.stopped, events)
			}
			if tc.status == engine.Aborted && (ex.Error != nil || ex.Cause != nil) {
				t.Errorf("aborted with %v %v, want no error or cause", ex.Error, ex.Cause)
			}
		})
	}

	// A task whose work runs on the same clock past StopAt: stopped then, its limit StopAt
	// (before its own TimeoutSeconds of an hour).
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
		"Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:c"},"TimeoutSeconds":3600,"End":true}}}`
	var limit time.Time
	ex, events := run(t, def, time.Minute, TaskFunc(func(ctx context.Context, tk *engine.Task) (string, error) {
		limit, _ = VirtualLimit(ctx)
		VirtualEnd(ctx, start.Add(2*time.Hour))
		return `{}`, nil
	}))
	if ex.Status != engine.Aborted || !ex.StopTime.Equal(start.Add(time.Minute)) || !limit.Equal(start.Add(time.Minute)) {
		t.Fatalf("%s at %v, the task's limit %v; events %s", ex.Status, ex.StopTime, limit, events)
	}
	// Without StopAt its limit is its TimeoutSeconds, and it times out then.
	ex, events = run(t, def, 0, TaskFunc(func(ctx context.Context, tk *engine.Task) (string, error) {
		limit, _ = VirtualLimit(ctx)
		VirtualEnd(ctx, start.Add(2*time.Hour))
		return `{}`, nil
	}))
	if ex.Status != engine.Failed || deref(ex.Error) != "States.Timeout" || !limit.Equal(start.Add(time.Hour)) {
		t.Fatalf("%s %s, the task's limit %v; events %s", ex.Status, deref(ex.Error), limit, events)
	}
}
