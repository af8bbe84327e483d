package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/runner"
)

// flaky is a task handler whose task {"id": ID, "fails": N} fails its first N calls
// (across runs and redrives) and then returns {"id": ID, "call": n}.
type flaky struct {
	mu    sync.Mutex
	calls map[string]int
}

func (fl *flaky) RunTask(_ context.Context, t *engine.Task) (string, error) {
	var p struct {
		ID    string `json:"id"`
		Fails int    `json:"fails"`
	}
	if err := json.Unmarshal([]byte(t.Parameters), &p); err != nil {
		return "", err
	}
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if fl.calls == nil {
		fl.calls = map[string]int{}
	}
	fl.calls[p.ID]++
	n := fl.calls[p.ID]
	if n <= p.Fails {
		return "", &runner.TaskError{Name: "Flaky", Cause: "call " + p.ID}
	}
	out, _ := json.Marshal(map[string]any{"id": p.ID, "call": n})
	return string(out), nil
}

func (fl *flaky) count(id string) int {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	return fl.calls[id]
}

func startLocal(t *testing.T, def, input string, tasks runner.TaskHandler, cfg engine.Config) (*engine.Interpreter, *engine.Execution, []history.Event) {
	t.Helper()
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	cfg.Region = "us-east-1"
	in := engine.New(sm, cfg)
	ex, events, err := runner.Local(context.Background(), in, engine.Start{
		ExecutionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:ex", Name: "ex",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		RoleArn: "arn:aws:iam::123456789012:role/r", Input: input, Time: t0, Seed: 7,
	}, runner.LocalOptions{TimeSkipping: true, Tasks: tasks})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return in, ex, events
}

// roundTrip saves and loads the execution as a durable runner does between steps.
func roundTrip(t *testing.T, ex *engine.Execution) *engine.Execution {
	t.Helper()
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var back engine.Execution
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	return &back
}

func countType(events []history.Event, typ string) int {
	n := 0
	for _, e := range events {
		if e.Type == typ {
			n++
		}
	}
	return n
}

func TestRedrive(t *testing.T) {
	tests := []struct {
		name string
		def  string
		// first is the status of the first run; output the output after the redrive.
		first  engine.Status
		status engine.Status
		output string
		// events are the types the redrive appends.
		events string
		// calls are the task calls per id after both runs.
		calls map[string]int
		// redrives is how many redrives it may take (default 1).
		redrives int
	}{
		{
			name: "uncaught task failure resumes at the task with its input",
			def: `{"StartAt":"Prep","States":{
				"Prep":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"prep"},"ResultPath":"$.prep","Next":"Work"},
				"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"work","fails":1},"ResultPath":"$.work","End":true}}}`,
			first:  engine.Failed,
			status: engine.Succeeded,
			output: `{"prep":{"id":"prep","call":1},"work":{"id":"work","call":2}}`,
			events: "ExecutionRedriven TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded",
			calls:  map[string]int{"prep": 1, "work": 2},
		},
		{
			name: "retry counters start again",
			def: `{"StartAt":"Work","States":{
				"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"work","fails":3},
					"Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":1,"IntervalSeconds":1}],"End":true}}}`,
			first:  engine.Failed,
			status: engine.Succeeded,
			output: `{"id":"work","call":4}`,
			events: "ExecutionRedriven TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded",
			calls:  map[string]int{"work": 4},
		},
		{
			name: "caught failure: the redrive enters the Fail state again",
			def: `{"StartAt":"Work","States":{
				"Work":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"work","fails":1},
					"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Bad"}],"End":true},
				"Bad":{"Type":"Fail","Error":"Caught"}}}`,
			first:  engine.Failed,
			status: engine.Failed,
			events: "ExecutionRedriven FailStateEntered ExecutionFailed",
			calls:  map[string]int{"work": 1},
		},
		{
			name: "parallel: only the failed branch runs again",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"a"},"End":true}}},
				{"StartAt":"B0","States":{
					"B0":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"b0"},"Next":"B"},
					"B":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"b","fails":1},"End":true}}}]}}}`,
			first:  engine.Failed,
			status: engine.Succeeded,
			output: `[{"id":"a","call":1},{"id":"b","call":2}]`,
			events: "ExecutionRedriven ParallelStateEntered ParallelStateStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ParallelStateSucceeded ParallelStateExited ExecutionSucceeded",
			calls:  map[string]int{"a": 1, "b0": 1, "b": 2},
		},
		{
			name: "inline map: only the failed iterations run again",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":1,"ToleratedFailureCount":1,
				"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id.$":"$.id","fails.$":"$.fails"},"End":true}}}}}}`,
			first:  engine.Failed,
			status: engine.Succeeded,
			output: `[{"id":"i0","call":1},{"id":"i1","call":2},{"id":"i2","call":1},{"id":"i3","call":2},{"id":"i4","call":1}]`,
			events: "ExecutionRedriven MapStateEntered MapStateStarted " +
				"MapIterationStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited MapIterationSucceeded " +
				"MapIterationStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited MapIterationSucceeded " +
				"MapIterationStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited MapIterationSucceeded " +
				"MapStateSucceeded MapStateExited ExecutionSucceeded",
			calls: map[string]int{"i0": 1, "i1": 2, "i2": 1, "i3": 2, "i4": 1},
		},
		{
			name: "distributed map: the map run is redriven",
			def: `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":1,"ToleratedFailureCount":1,
				"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id.$":"$.id","fails.$":"$.fails"},"End":true}}}}}}`,
			first:  engine.Failed,
			status: engine.Succeeded,
			output: `[{"id":"i0","call":1},{"id":"i1","call":2},{"id":"i2","call":1},{"id":"i3","call":2},{"id":"i4","call":1}]`,
			events: "ExecutionRedriven MapStateEntered MapStateStarted MapRunRedriven MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded",
			calls:  map[string]int{"i0": 1, "i1": 2, "i2": 1, "i3": 2, "i4": 1},
		},
		{
			name: "nested: a failed map iteration inside a parallel branch",
			def: `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[
				{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id":"a"},"End":true}}},
				{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemsPath":"$.items",
					"ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id.$":"$.id","fails.$":"$.fails"},"End":true}}}}}}]}}}`,
			first:    engine.Failed,
			status:   engine.Succeeded,
			output:   `[{"id":"a","call":1},[{"id":"i0","call":1},{"id":"i1","call":2},{"id":"i2","call":1},{"id":"i3","call":2},{"id":"i4","call":1}]]`,
			calls:    map[string]int{"a": 1, "i0": 1, "i1": 2, "i2": 1, "i3": 2, "i4": 1},
			redrives: 2,
		},
	}
	items := `[{"id":"i0","fails":0},{"id":"i1","fails":1},{"id":"i2","fails":0},{"id":"i3","fails":1},{"id":"i4","fails":0}]`
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fl := &flaky{}
			in := `{}`
			switch {
			case strings.Contains(tc.def, `"ItemsPath"`):
				in = `{"items":` + items + `}`
			case strings.Contains(tc.def, `"Map"`):
				in = items
			}
			interp, ex, first := startLocal(t, tc.def, in, fl, engine.Config{})
			if ex.Status != tc.first {
				t.Fatalf("first run %s (%v), want %s: %s", ex.Status, ex.Error, tc.first, types(first))
			}
			ex = roundTrip(t, ex)
			at := ex.StopTime.Add(time.Hour)
			events, err := runner.LocalRedrive(context.Background(), interp, ex, at, runner.LocalOptions{TimeSkipping: true, Tasks: fl})
			if err != nil {
				t.Fatalf("redrive: %v", err)
			}
			for ex.Status != tc.status && ex.RedriveCount < tc.redrives {
				// Iterations aborted before their task ran fail at their first call too.
				at = ex.StopTime.Add(time.Minute)
				ex = roundTrip(t, ex)
				if _, err := runner.LocalRedrive(context.Background(), interp, ex, at, runner.LocalOptions{TimeSkipping: true, Tasks: fl}); err != nil {
					t.Fatalf("redrive again: %v", err)
				}
			}
			if ex.Status != tc.status {
				t.Fatalf("after redrive %s (%v %v): %s", ex.Status, ex.Error, ex.Cause, types(events))
			}
			if tc.output != "" {
				jsonEqual(t, ex.Output, tc.output)
			}
			if tc.events != "" && types(events) != tc.events {
				t.Errorf("redrive events\n got %s\nwant %s", types(events), tc.events)
			}
			for id, n := range tc.calls {
				if got := fl.count(id); got != n {
					t.Errorf("task %s ran %d times, want %d", id, got, n)
				}
			}
			for _, e := range events {
				if d, ok := e.Details.(*history.MapRunRedriven); ok && (d.RedriveCount != 1 || !strings.Contains(d.MapRunArn, ":mapRun:sm/")) {
					t.Errorf("MapRunRedriven %+v", d)
				}
			}
			// One history: ids go on from the first run's, and ExecutionRedriven follows its end.
			r := events[0]
			if d, ok := r.Details.(*history.ExecutionRedriven); !ok || d.RedriveCount != 1 {
				t.Errorf("first event %s %+v", r.Type, r.Details)
			}
			last := first[len(first)-1].ID
			if r.ID != last+1 || r.PreviousEventID != last {
				t.Errorf("ExecutionRedriven id %d prev %d after %d", r.ID, r.PreviousEventID, last)
			}
			for i, e := range events {
				if e.ID != r.ID+int64(i) {
					t.Fatalf("event %d has id %d", i, e.ID)
				}
			}
			if ex.RedriveCount < 1 || !ex.RedriveTime.Equal(at) {
				t.Errorf("redrive count %d time %v", ex.RedriveCount, ex.RedriveTime)
			}
		})
	}
}

func TestRedriveRefused(t *testing.T) {
	fail := `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E"}}}`
	ok := `{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}`
	loop := `{"StartAt":"L","States":{"L":{"Type":"Pass","Next":"C"},
		"C":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"E"}],"Default":"L"},"E":{"Type":"Succeed"}}}`
	tests := []struct {
		name   string
		def    string
		cfg    engine.Config
		after  time.Duration
		reason string
	}{
		{"succeeded", ok, engine.Config{}, time.Minute, "Execution is SUCCEEDED and cannot be redriven"},
		{"after 14 days", fail, engine.Config{}, 14*24*time.Hour + time.Second, "Execution redrivable period exceeded"},
		{"within 14 days", fail, engine.Config{}, 14 * 24 * time.Hour, ""},
		{"a year after the start", fail, engine.Config{}, 365 * 24 * time.Hour, "Execution has exceeded the max execution time"},
		{"history quota reached", loop, engine.Config{MaxHistoryEvents: 50}, time.Minute, "Execution history event limit exceeded"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			interp, ex, _ := startLocal(t, tc.def, `{}`, nil, tc.cfg)
			at := ex.StopTime.Add(tc.after)
			if tc.name == "a year after the start" {
				at = ex.StartTime.Add(tc.after)
			}
			if got := interp.RedriveReason(ex, at); got != tc.reason {
				t.Fatalf("reason %q, want %q", got, tc.reason)
			}
			last := ex.LastEventID
			_, err := interp.Redrive(ex, at)
			if tc.reason == "" {
				if err != nil {
					t.Fatalf("redrive: %v", err)
				}
				return
			}
			var nr *engine.NotRedrivableError
			if !errors.As(err, &nr) || !errors.Is(err, engine.ErrNotRedrivable) || nr.Reason != tc.reason {
				t.Fatalf("err %v", err)
			}
			if ex.LastEventID != last || ex.RedriveCount != 0 {
				t.Errorf("a refused redrive changed the execution")
			}
		})
	}
	t.Run("running", func(t *testing.T) {
		sm, _ := asl.Parse([]byte(`{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":10,"End":true}}}`), asl.ValidateOptions{})
		in := engine.New(sm, engine.Config{})
		ex, _ := in.Start(engine.Start{ExecutionArn: "e", Input: `{}`, Time: t0})
		if got, want := in.RedriveReason(ex, t0), "Execution is RUNNING and cannot be redriven"; got != want {
			t.Errorf("reason %q", got)
		}
	})
}

// A redrive of an aborted or timed-out execution enters again the state that was running,
// and the machine's TimeoutSeconds counts again from the redrive.
func TestRedriveAbortedAndTimedOut(t *testing.T) {
	def := `{"StartAt":"Prep","TimeoutSeconds":100,"States":{
		"Prep":{"Type":"Pass","Result":"p","ResultPath":"$.prep","Next":"W"},
		"W":{"Type":"Wait","QueryLanguage":"JSONata","Seconds":"{% $states.context.Execution.RedriveCount = 0 ? 1000 : 50 %}","Next":"Done"},
		"Done":{"Type":"Pass","QueryLanguage":"JSONata","Output":"{% {'count': $states.context.Execution.RedriveCount, 'time': $states.context.Execution.RedriveTime, 'in': $states.input} %}","End":true}}}`
	interp, ex, first := startLocal(t, def, `{"a":1}`, nil, engine.Config{})
	if ex.Status != engine.TimedOut || !strings.HasSuffix(types(first), "WaitStateEntered ExecutionTimedOut") {
		t.Fatalf("first run %s: %s", ex.Status, types(first))
	}
	at := ex.StopTime.Add(time.Hour)
	ex = roundTrip(t, ex)
	events, err := runner.LocalRedrive(context.Background(), interp, ex, at, runner.LocalOptions{TimeSkipping: true})
	if err != nil {
		t.Fatal(err)
	}
	if ex.Status != engine.Succeeded {
		t.Fatalf("after redrive %s: %s", ex.Status, types(events))
	}
	if got, want := types(events), "ExecutionRedriven WaitStateEntered WaitStateExited PassStateEntered PassStateExited ExecutionSucceeded"; got != want {
		t.Errorf("events %s", got)
	}
	jsonEqual(t, ex.Output, `{"count":1,"time":"`+at.Format("2006-01-02T15:04:05Z")+`","in":{"a":1,"prep":"p"}}`)

	// Stopped while its task ran: the redrive schedules the task again.
	sm, _ := asl.Parse([]byte(`{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`), asl.ValidateOptions{})
	in := engine.New(sm, engine.Config{})
	ex, step := in.Start(engine.Start{ExecutionArn: "e", Input: `{"x":1}`, Time: t0})
	if len(step.Commands) < 2 {
		t.Fatalf("commands %+v", step.Commands)
	}
	in.Apply(ex, engine.Event{Kind: engine.Stop, Time: t0.Add(time.Second)})
	if ex.Status != engine.Aborted {
		t.Fatalf("status %s", ex.Status)
	}
	ex = roundTrip(t, ex)
	step, err = in.Redrive(ex, t0.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var scheduled, timers int
	for _, c := range step.Commands {
		switch c.Kind {
		case engine.ScheduleTask:
			scheduled++
			if c.Task.Parameters != `{"x":1}` {
				t.Errorf("task parameters %s", c.Task.Parameters)
			}
		case engine.StartTimer:
			timers++
			if want := t0.Add(365 * 24 * time.Hour); !c.At.Equal(want) {
				t.Errorf("timeout timer at %v, want %v", c.At, want)
			}
		}
	}
	if scheduled != 1 || timers != 1 || ex.Status != engine.Running {
		t.Errorf("scheduled %d timers %d status %s", scheduled, timers, ex.Status)
	}
	if got, want := types(step.Events), "ExecutionRedriven TaskStateEntered TaskScheduled"; got != want {
		t.Errorf("events %s", got)
	}
}
