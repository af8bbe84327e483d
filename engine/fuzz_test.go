package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/conformance"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/cputime"
	"github.com/stepwise-run/stepwise/internal/racetest"
	"github.com/stepwise-run/stepwise/runner"
)

// FuzzExecute runs state machines to their end on a virtual clock, seeded with the
// definition and input of every case of the AWS conformance corpus, every task answered with
// its own parameters. Whatever the definition (once it validates) and the input, the
// interpreter must not panic, must end within a bounded time (the history quota and the
// evaluation budgets, set small here, bound the work), and must write a history that is
// whole: ids from 1 without a gap, each previousEventId an earlier event, ExecutionStarted
// first and, once the execution is done, its end last.
//
//	go test ./engine -run X -fuzz FuzzExecute -fuzztime 5m
func FuzzExecute(f *testing.F) {
	cases, err := conformance.LoadCases(os.DirFS(".."), "conformance/corpus")
	if err != nil || len(cases) == 0 {
		f.Fatalf("no conformance corpus to seed from (%v)", err)
	}
	for _, c := range cases {
		f.Add(c.Definition(), c.ExecutionInput(t0))
	}
	echo := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) { return task.Parameters, nil })
	f.Fuzz(func(t *testing.T, def, input string) {
		if !json.Valid([]byte(input)) {
			return // StartExecution refuses it
		}
		sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
		if err != nil {
			return
		}
		runChecked(t, sm, def, input, echo)
	})
}

// fuzzConfig bounds a fuzzed execution's work: a small history quota and evaluation budgets.
var fuzzConfig = engine.Config{Region: "us-east-1", MaxHistoryEvents: 1000, MaxPayloadBytes: 64 << 10,
	EvalLimits: budget.Limits{Steps: 10_000, Memory: 1 << 20}}

// fuzzYieldTime is how long a yield's work takes on a fuzzed execution's virtual clock
// (runner.LocalOptions.YieldTime): a minute rather than a second, so that an Express child of
// a Distributed Map looping through Pass and Choice states reaches its five minutes within
// five yields, not three hundred.
const fuzzYieldTime = time.Minute

// runChecked runs sm to its end on the virtual clock under fuzzConfig and returns its
// history, failing t on a panic, on more than five seconds of CPU, or on a history that is
// not whole; ok is false when the execution waits for what cannot come in a local run
// (runner.ErrStuck).
func runChecked(t *testing.T, sm *asl.StateMachine, def, input string, tasks runner.TaskHandler) (events []history.Event, ok bool) {
	t.Helper()
	cpu0 := cputime.Self()
	ex, events, err := runner.Local(context.Background(), engine.New(sm, fuzzConfig), startOf(input),
		runner.LocalOptions{TimeSkipping: true, YieldTime: fuzzYieldTime, Tasks: tasks, Logger: slog.New(slog.DiscardHandler)})
	if took := cputime.Self() - cpu0; took > racetest.Scale(5*time.Second) {
		t.Fatalf("the execution took %v of CPU within a quota of %d events\n%s", took, fuzzConfig.MaxHistoryEvents, def)
	}
	if errors.Is(err, runner.ErrInternal) {
		t.Fatalf("%v\ndefinition: %s\ninput: %s", err, def, input)
	}
	if err != nil {
		return nil, false
	}
	checkWhole(t, ex, events)
	return events, true
}

// checkWhole fails t unless events are a whole history of ex.
func checkWhole(t *testing.T, ex *engine.Execution, events []history.Event) {
	t.Helper()
	if len(events) == 0 || events[0].Type != "ExecutionStarted" {
		t.Fatalf("the history does not begin with ExecutionStarted: %s", types(events))
	}
	for i, e := range events {
		if e.ID != int64(i+1) {
			t.Fatalf("event %d has id %d: %s", i+1, e.ID, types(events))
		}
		if e.PreviousEventID < 0 || e.PreviousEventID >= e.ID {
			t.Fatalf("event %d (%s) follows %d: %s", e.ID, e.Type, e.PreviousEventID, types(events))
		}
	}
	if ex.Done() {
		switch last := events[len(events)-1].Type; last {
		case "ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted":
		default:
			t.Fatalf("a %s execution's history ends with %s: %s", ex.Status, last, types(events))
		}
	}
}
