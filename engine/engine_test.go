package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/runner"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// startOf starts the execution "ex" of the state machine "sm" with input, at t0.
func startOf(input string) engine.Start {
	return engine.Start{
		ExecutionArn:     "arn:aws:states:us-east-1:123456789012:execution:sm:ex",
		Name:             "ex",
		StateMachineArn:  "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
		StateMachineName: "sm",
		RoleArn:          "arn:aws:iam::123456789012:role/r",
		Input:            input,
		Time:             t0,
		Seed:             42,
	}
}

// execute runs a definition to its end on a virtual clock.
func execute(t testing.TB, def, input string, tasks runner.TaskFunc, cfg engine.Config) (*engine.Execution, []history.Event) {
	t.Helper()
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	in := engine.New(sm, cfg)
	start := startOf(input)
	opts := runner.LocalOptions{TimeSkipping: true}
	if tasks != nil {
		opts.Tasks = tasks
	}
	ex, events, err := runner.Local(context.Background(), in, start, opts)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	return ex, events
}

func types(events []history.Event) string {
	var out []string
	for _, e := range events {
		out = append(out, e.Type)
	}
	return strings.Join(out, " ")
}

func jsonEqual(t *testing.T, got, want string) {
	t.Helper()
	g, err1 := value.DecodeString(got)
	w, err2 := value.DecodeString(want)
	if err1 != nil || err2 != nil || !value.Equal(g, w) {
		t.Errorf("output = %s, want %s", got, want)
	}
}

func TestExecutions(t *testing.T) {
	echo := runner.TaskFunc(func(_ context.Context, task *engine.Task) (string, error) { return task.Parameters, nil })
	tests := []struct {
		name   string
		def    string
		input  string
		tasks  runner.TaskFunc
		status engine.Status
		output string
		error  string
		events string
	}{
		{
			name:   "pass with parameters and intrinsics",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"greeting.$":"States.Format('Hi {}', $.who)","n":1},"ResultPath":"$.out","End":true}}}`,
			input:  `{"who":"Ada"}`,
			status: engine.Succeeded,
			output: `{"who":"Ada","out":{"greeting":"Hi Ada","n":1}}`,
			events: "ExecutionStarted PassStateEntered PassStateExited ExecutionSucceeded",
		},
		{
			name:   "choice and default",
			def:    `{"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":5,"Next":"Big"}],"Default":"Small"},"Big":{"Type":"Pass","Result":"big","End":true},"Small":{"Type":"Pass","Result":"small","End":true}}}`,
			input:  `{"n":3}`,
			status: engine.Succeeded,
			output: `"small"`,
			events: "ExecutionStarted ChoiceStateEntered ChoiceStateExited PassStateEntered PassStateExited ExecutionSucceeded",
		},
		{
			name:   "wait a year minus a day on the virtual clock",
			def:    `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":31449600,"End":true}}}`,
			input:  `{}`,
			status: engine.Succeeded,
			output: `{}`,
			events: "ExecutionStarted WaitStateEntered WaitStateExited ExecutionSucceeded",
		},
		{
			name:   "fail state",
			def:    `{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"E","Cause":"C"}}}`,
			input:  `{}`,
			status: engine.Failed,
			error:  "E",
			events: "ExecutionStarted FailStateEntered ExecutionFailed",
		},
		{
			name:   "task result selector and result path",
			def:    `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"Payload.$":"$"},"ResultSelector":{"p.$":"$.Payload"},"ResultPath":"$.r","End":true}}}`,
			input:  `{"a":1}`,
			tasks:  echo,
			status: engine.Succeeded,
			output: `{"a":1,"r":{"p":{"a":1}}}`,
			events: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskSucceeded TaskStateExited ExecutionSucceeded",
		},
		{
			name: "retry then catch",
			def: `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true,
				"Retry":[{"ErrorEquals":["Boom"],"MaxAttempts":2,"IntervalSeconds":1}],
				"Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.err","Next":"H"}]},
				"H":{"Type":"Pass","End":true}}}`,
			input: `{}`,
			tasks: func(context.Context, *engine.Task) (string, error) {
				return "", &runner.TaskError{Name: "Boom", Cause: "bad"}
			},
			status: engine.Succeeded,
			output: `{"err":{"Error":"Boom","Cause":"bad"}}`,
			events: "ExecutionStarted TaskStateEntered TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskFailed TaskScheduled TaskStarted TaskFailed TaskStateExited PassStateEntered PassStateExited ExecutionSucceeded",
		},
		{
			name:   "parallel",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Parallel","End":true,"Branches":[{"StartAt":"A","States":{"A":{"Type":"Pass","Result":1,"End":true}}},{"StartAt":"B","States":{"B":{"Type":"Pass","Result":2,"End":true}}}]}}}`,
			input:  `{}`,
			status: engine.Succeeded,
			output: `[1,2]`,
			events: "ExecutionStarted ParallelStateEntered ParallelStateStarted PassStateEntered PassStateExited PassStateEntered PassStateExited ParallelStateSucceeded ParallelStateExited ExecutionSucceeded",
		},
		{
			name:   "map with item selector",
			def:    `{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"},"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}},"End":true}}}`,
			input:  `{"xs":["a","b"]}`,
			status: engine.Succeeded,
			output: `[{"v":"a","i":0},{"v":"b","i":1}]`,
			events: "ExecutionStarted MapStateEntered MapStateStarted MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded MapIterationStarted PassStateEntered PassStateExited MapIterationSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded",
		},
		{
			name:   "runtime error on missing input path",
			def:    `{"StartAt":"P","States":{"P":{"Type":"Pass","InputPath":"$.nope","End":true}}}`,
			input:  `{}`,
			status: engine.Failed,
			error:  "States.Runtime",
			events: "ExecutionStarted PassStateEntered ExecutionFailed",
		},
		{
			name:   "a SecondsPath beyond a Duration's range is too long a wait",
			def:    `{"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}}`,
			input:  `{"s":10000000000}`,
			status: engine.Failed,
			error:  "States.Runtime",
			events: "ExecutionStarted WaitStateEntered ExecutionFailed",
		},
		{
			name:   "a JSONata Seconds beyond a Duration's range is too long a wait",
			def:    `{"QueryLanguage":"JSONata","StartAt":"W","States":{"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","End":true}}}`,
			input:  `{"s":10000000000}`,
			status: engine.Failed,
			error:  "States.Runtime",
			events: "ExecutionStarted WaitStateEntered ExecutionFailed",
		},
		{
			name:   "variables",
			def:    `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"x.$":"$.n"},"Next":"B"},"B":{"Type":"Pass","Parameters":{"y.$":"$x"},"End":true}}}`,
			input:  `{"n":7}`,
			status: engine.Succeeded,
			output: `{"y":7}`,
			events: "ExecutionStarted PassStateEntered PassStateExited PassStateEntered PassStateExited ExecutionSucceeded",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ex, events := execute(t, tc.def, tc.input, tc.tasks, engine.Config{})
			if ex.Status != tc.status {
				t.Fatalf("status = %s, want %s (error %v cause %v)", ex.Status, tc.status, deref(ex.Error), deref(ex.Cause))
			}
			if tc.output != "" {
				jsonEqual(t, ex.Output, tc.output)
			}
			if tc.error != "" && deref(ex.Error) != tc.error {
				t.Errorf("error = %q, want %q", deref(ex.Error), tc.error)
			}
			if got := types(events); got != tc.events {
				t.Errorf("events:\n got %s\nwant %s", got, tc.events)
			}
			for i, e := range events {
				if e.ID != int64(i+1) {
					t.Fatalf("event %d has id %d", i, e.ID)
				}
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// TestHistoryQuota checks the AWS outcome at the history limit: event number N (the limit) is
// an ExecutionFailed with States.Runtime, after N-1 ordinary events.
func TestHistoryQuota(t *testing.T) {
	def := `{"StartAt":"Loop","States":{"Loop":{"Type":"Pass","Next":"Check"},
		"Check":{"Type":"Choice","Choices":[{"Variable":"$.done","IsPresent":true,"Next":"Done"}],"Default":"Loop"},
		"Done":{"Type":"Succeed"}}}`
	ex, events := execute(t, def, `{}`, nil, engine.Config{MaxHistoryEvents: 101})
	if ex.Status != engine.Failed || deref(ex.Error) != "States.Runtime" {
		t.Fatalf("status %s error %s", ex.Status, deref(ex.Error))
	}
	if len(events) != 101 {
		t.Fatalf("%d events, want 101", len(events))
	}
	last := events[len(events)-1]
	if last.Type != "ExecutionFailed" || last.PreviousEventID != 100 {
		t.Fatalf("last event %+v", last)
	}
	if want := "The execution reached the maximum number of history events (101)."; deref(ex.Cause) != want {
		t.Fatalf("cause %q", deref(ex.Cause))
	}
}

// TestHistoryQuotaStartsNothing: when the event that would schedule a task or enter a Wait
// state takes the quota's last id and becomes ExecutionFailed, no task is asked for and no
// timer stays set: nothing may run for the failed execution (FuzzReload found a task
// scheduled after the end).
func TestHistoryQuotaStartsNothing(t *testing.T) {
	// ExecutionStarted, PassStateEntered, PassStateExited, then the state's entry (4) and its
	// scheduled task (5): the quota ends the execution on the event after which the state asks
	// for its task (5) or, for a Wait, its timer (4).
	for _, tc := range []struct {
		state string
		quota int64
	}{
		{`{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},"End":true}`, 5},
		{`{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}`, 5},
		{`{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true}`, 5},
		{`{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","Parameters":{"QueueUrl":"q","MessageBody.$":"$$.Task.Token"},"End":true}`, 5},
		{`{"Type":"Wait","Seconds":60,"End":true}`, 4},
		// MapStateEntered (4), MapStateStarted (5), MapRunStarted (6): the run never starts.
		{`{"Type":"Map","ItemsPath":"$.items","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
			"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}}`, 6},
		{`{"Type":"Map","End":true,"ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON"},"Parameters":{"Bucket":"b","Key":"k"}},
			"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"End":true}}}}`, 6},
	} {
		state, quota := tc.state, tc.quota
		sm, err := asl.Parse([]byte(`{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"S"},"S":`+state+`}}`), asl.ValidateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ex, step := engine.New(sm, engine.Config{Region: "us-east-1", MaxHistoryEvents: quota}).Start(startOf(`{"items":[1,2]}`))
		if ex.Status != engine.Failed || deref(ex.Error) != "States.Runtime" {
			t.Fatalf("%s: %s %s", state, ex.Status, deref(ex.Error))
		}
		set := map[int64]bool{}
		for _, c := range step.Commands {
			switch c.Kind {
			case engine.ScheduleTask:
				t.Errorf("%s: the failed execution asks for task %s", state, c.Task.Resource)
			case engine.StartTimer:
				set[c.TimerID] = true
			case engine.CancelTimer:
				delete(set, c.TimerID)
			case engine.MapRunChanged:
				if c.MapRun.Status == "RUNNING" {
					t.Errorf("%s: the failed execution keeps its map run running", state)
				}
			case engine.ChildExecutionChanged:
				t.Errorf("%s: the failed execution starts child %s", state, c.Child.Name)
			}
		}
		if len(set) > 0 {
			t.Errorf("%s: the failed execution leaves timers %v set: %s", state, set, types(step.Events))
		}
	}
}

// TestReplayIsDeterministic runs the same execution twice and expects identical histories.
func TestReplayIsDeterministic(t *testing.T) {
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"id.$":"States.UUID()"},"Next":"W"},"W":{"Type":"Wait","Seconds":5,"End":true}}}`
	_, a := execute(t, def, `{}`, nil, engine.Config{})
	_, b := execute(t, def, `{}`, nil, engine.Config{})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("histories differ:\n%s\n%s", ja, jb)
	}
}

// TestVariableSizeLimit: a variable over 256 KiB fails the execution with
// States.DataLimitExceeded.
func TestVariableSizeLimit(t *testing.T) {
	big := strings.Repeat("x", 256*1024)
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Assign":{"big.$":"$.s"},"End":true}}}`
	ex, _ := execute(t, def, `{"s":"`+big+`"}`, nil, engine.Config{MaxPayloadBytes: 1 << 20})
	if ex.Status != engine.Failed || deref(ex.Error) != "States.DataLimitExceeded" {
		t.Fatalf("%s %s %s", ex.Status, deref(ex.Error), deref(ex.Cause))
	}
	ex, _ = execute(t, def, `{"s":"`+big[:1000]+`"}`, nil, engine.Config{})
	if ex.Status != engine.Succeeded {
		t.Fatalf("small variable: %s %s", ex.Status, deref(ex.Cause))
	}
}

// TestStoredVariablesLimit: the variables an execution holds at once are bounded at 10 MiB,
// as AWS documents, with the Assign's States.DataLimitExceeded; a variable assigned again
// replaces its value, and the variables of a Map iteration or a Parallel branch that ended
// are gone, so neither adds up.
func TestStoredVariablesLimit(t *testing.T) {
	s := strings.Repeat("x", 255_000) // 255,002 bytes of JSON: 41 fit in 10 MiB, 42 do not
	chain := func(n int, prefix string, name func(i int) string) string {
		var states []string
		for i := range n {
			next := fmt.Sprintf(`"Next":"%sP%d"`, prefix, i+1)
			if i == n-1 {
				next = `"End":true`
			}
			states = append(states, fmt.Sprintf(`"%sP%d":{"Type":"Pass","Assign":{"%s.$":"$.s"},%s}`, prefix, i, name(i), next))
		}
		return `{"StartAt":"` + prefix + `P0","States":{` + strings.Join(states, ",") + `}}`
	}
	distinct := func(i int) string { return fmt.Sprintf("v%d", i) }
	branches := func(n int) string {
		var bs []string
		for b := range 2 {
			bs = append(bs, chain(n, fmt.Sprintf("B%d", b), func(i int) string { return fmt.Sprintf("b%dv%d", b, i) }))
		}
		return `{"StartAt":"Par","States":{"Par":{"Type":"Parallel","Branches":[` + strings.Join(bs, ",") + `],"End":true}}}`
	}
	mapOf := func(concurrency int) string {
		return fmt.Sprintf(`{"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":%d,
			"ItemSelector":{"s.$":"$$.Map.Item.Value"},"ItemProcessor":%s,"ResultSelector":{"n.$":"States.ArrayLength($)"},"End":true}}}`,
			concurrency, chain(2, "I", func(i int) string { return fmt.Sprintf("w%d", i) }))
	}
	for _, tc := range []struct {
		name, def, input string
		failedAt         string // "" for success
	}{
		{"41 variables", chain(41, "", distinct), `{"s":"` + s + `"}`, ""},
		{"42 variables", chain(42, "", distinct), `{"s":"` + s + `"}`, "P41"},
		{"one variable 60 times", chain(60, "", func(int) string { return "v" }), `{"s":"` + s + `"}`, ""},
		{"two branches of 20", branches(20), `{"s":"` + s + `"}`, ""},
		{"two branches of 21", branches(21), `{"s":"` + s + `"}`, "B?P20"}, // whichever assigns the 42nd
		{"a Map of 50 iterations, one at a time", mapOf(1), `{"items":[` + strings.Repeat(`"`+s[:120_000]+`",`, 49) + `"x"]}`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ex, _ := execute(t, tc.def, tc.input, nil, engine.Config{MaxPayloadBytes: 1 << 30})
			if tc.failedAt == "" {
				if ex.Status != engine.Succeeded {
					t.Fatalf("%s %s %s", ex.Status, deref(ex.Error), deref(ex.Cause))
				}
				return
			}
			want := "The state/task '" + tc.failedAt + "' assigned variables with a size exceeding the maximum number of bytes service limit."
			if ok, _ := path.Match(want, deref(ex.Cause)); ex.Status != engine.Failed || deref(ex.Error) != "States.DataLimitExceeded" || !ok {
				t.Fatalf("%s %s %s, want States.DataLimitExceeded %s", ex.Status, deref(ex.Error), deref(ex.Cause), want)
			}
		})
	}
}

// TestStoredVariablesAfterReload: an execution reloaded from its saved state (where the
// bound on its variables is not kept) measures what it holds before its first Assign: 21
// variables before a Wait and 21 after it are 42, over 10 MiB.
func TestStoredVariablesAfterReload(t *testing.T) {
	var states []string
	for i := range 42 {
		next := fmt.Sprintf(`"Next":"P%d"`, i+1)
		switch i {
		case 20:
			next = `"Next":"W"`
		case 41:
			next = `"End":true`
		}
		states = append(states, fmt.Sprintf(`"P%d":{"Type":"Pass","Assign":{"v%d.$":"$.s"},%s}`, i, i, next))
	}
	states = append(states, `"W":{"Type":"Wait","Seconds":5,"Next":"P21"}`)
	sm, err := asl.Parse([]byte(`{"StartAt":"P0","States":{`+strings.Join(states, ",")+`}}`), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{Region: "us-east-1", MaxPayloadBytes: 1 << 30})
	ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{"s":"` + strings.Repeat("x", 255_000) + `"}`, Time: t0})
	var fire *engine.Command
	for i, c := range step.Commands {
		if c.Kind == engine.StartTimer && c.At.Before(t0.Add(time.Hour)) {
			fire = &step.Commands[i]
		}
	}
	if ex.Status != engine.Running || fire == nil {
		t.Fatalf("%s, commands %+v", ex.Status, step.Commands)
	}
	saved, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var loaded engine.Execution
	if err := json.Unmarshal(saved, &loaded); err != nil {
		t.Fatal(err)
	}
	in.Apply(&loaded, engine.Event{Kind: engine.TimerFired, TimerID: fire.TimerID, Time: fire.At})
	if loaded.Status != engine.Failed || deref(loaded.Error) != "States.DataLimitExceeded" || !strings.Contains(deref(loaded.Cause), "'P41'") {
		t.Fatalf("after reload: %s %s %s", loaded.Status, deref(loaded.Error), deref(loaded.Cause))
	}
}

// TestYearLimit: a Standard execution that waits longer than a year times out at the year, as
// on AWS; an Express one at five minutes.
func TestYearLimit(t *testing.T) {
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":31536000,"End":true}}}`
	for _, tc := range []struct {
		express bool
		after   time.Duration
	}{{false, 365 * 24 * time.Hour}, {true, 5 * time.Minute}} {
		sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in := engine.New(sm, engine.Config{Region: "us-east-1", Express: tc.express})
		ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{}`, Time: t0})
		limit := step.Commands[0]
		if limit.At != t0.Add(tc.after) {
			t.Fatalf("express=%v: limit at %v", tc.express, limit.At)
		}
		out := in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: limit.TimerID, Time: limit.At})
		if ex.Status != engine.TimedOut || types(out.Events) != "ExecutionTimedOut" {
			t.Errorf("express=%v: %s %s", tc.express, ex.Status, types(out.Events))
		}
	}
}

// TestExecutionStateRoundTrips saves an execution in the middle of a Wait, loads it again and
// finishes it: what a durable store does.
func TestExecutionStateRoundTrips(t *testing.T) {
	def := `{"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":60,"Next":"P"},"P":{"Type":"Pass","Result":"done","End":true}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{Region: "us-east-1"})
	ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{}`, Time: t0})
	// The execution's one-year limit, then the Wait.
	if len(step.Commands) != 2 || step.Commands[0].At != t0.Add(365*24*time.Hour) || step.Commands[1].Kind != engine.StartTimer {
		t.Fatalf("commands %+v", step.Commands)
	}
	saved, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	var loaded engine.Execution
	dec := json.NewDecoder(bytes.NewReader(saved))
	dec.UseNumber()
	if err := dec.Decode(&loaded); err != nil {
		t.Fatal(err)
	}
	fire := step.Commands[1]
	out := in.Apply(&loaded, engine.Event{Kind: engine.TimerFired, TimerID: fire.TimerID, Time: fire.At})
	if loaded.Status != engine.Succeeded || loaded.Output != `"done"` {
		t.Fatalf("after reload: %s %s", loaded.Status, loaded.Output)
	}
	if got := types(out.Events); got != "WaitStateExited PassStateEntered PassStateExited ExecutionSucceeded" {
		t.Fatalf("events %s", got)
	}
}

// TestJSONataContext: $states.context is there for the expressions that read it, however
// they reach it.
func TestJSONataContext(t *testing.T) {
	def := `{"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":{
		"name":"{% $states.context.State.Name %}",
		"keys":"{% $count($keys($states)) %}",
		"plain":"{% $states.input.a %}"},"End":true}}}`
	ex, _ := execute(t, def, `{"a":1}`, nil, engine.Config{})
	if ex.Status != engine.Succeeded || ex.Output != `{"name":"P","keys":2,"plain":1}` {
		t.Fatalf("%s %s %s", ex.Status, ex.Output, deref(ex.Cause))
	}
}

// TestTaskTimeoutCaught: a task's timeout caught passes on {"Error": "States.Timeout", "Cause":
// ""}, and uncaught fails the execution with no cause, as AWS records both
// (error_handling/test_task_service_lambda's test_invoke_timeout, timeouts/test_timeouts).
func TestTaskTimeoutCaught(t *testing.T) {
	for _, tc := range []struct {
		catch, want string
	}{
		{`,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"P"}]`, `{"Error":"States.Timeout","Cause":""}`},
		{`,"Catch":[{"ErrorEquals":["States.TaskFailed"],"Next":"P"}]`, ``},
	} {
		def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","TimeoutSeconds":5,
			"Parameters":{"FunctionName":"f"},"End":true` + tc.catch + `},"P":{"Type":"Pass","End":true}}}`
		sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		in := engine.New(sm, engine.Config{Region: "us-east-1"})
		ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{}`, Time: t0})
		task := step.Commands[len(step.Commands)-1].Task
		step = in.Apply(ex, engine.Event{Kind: engine.TaskStarted, TaskID: task.ID, Time: t0})
		var timer engine.Command
		for _, c := range step.Commands {
			if c.Kind == engine.StartTimer && c.At.Equal(t0.Add(5*time.Second)) {
				timer = c
			}
		}
		if timer.TimerID == 0 {
			t.Fatalf("no timeout timer in %+v", step.Commands)
		}
		out := in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: timer.TimerID, Time: timer.At})
		last := out.Events[len(out.Events)-1]
		if tc.want == "" {
			if ex.Status != engine.Failed || deref(ex.Error) != "States.Timeout" || ex.Cause != nil {
				t.Errorf("uncaught: %s %s %v", ex.Status, deref(ex.Error), ex.Cause)
			}
			if d, _ := json.Marshal(last.Details); last.Type != "ExecutionFailed" || strings.Contains(string(d), "cause") {
				t.Errorf("uncaught: %s %s", last.Type, d)
			}
			continue
		}
		if ex.Status != engine.Succeeded {
			t.Fatalf("caught: %s %s", ex.Status, deref(ex.Cause))
		}
		jsonEqual(t, ex.Output, tc.want)
	}
}

// TestHeartbeatTimeoutMatched: a missed heartbeat is States.Timeout in the events (as AWS
// records it), and a retrier or catcher naming States.HeartbeatTimeout handles it, as AWS
// documents that name for Retry and Catch; a TimeoutSeconds expiry is not a heartbeat's.
func TestHeartbeatTimeoutMatched(t *testing.T) {
	for _, tc := range []struct {
		name, handlers string
		fire           time.Duration // the timer that fires: 2s the heartbeat, 10s the timeout
		status         engine.Status
		want           string
	}{
		{"caught", `,"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"P"}]`, 2 * time.Second,
			engine.Succeeded, `{"Error":"States.Timeout","Cause":""}`},
		{"retried", `,"Retry":[{"ErrorEquals":["States.HeartbeatTimeout"]}],"Catch":[{"ErrorEquals":["Other"],"Next":"P"}]`, 2 * time.Second,
			engine.Running, ""},
		{"timeout not caught", `,"Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"P"}]`, 10 * time.Second,
			engine.Failed, ""},
		{"timeout still catches it", `,"Catch":[{"ErrorEquals":["States.Timeout"],"Next":"P"}]`, 2 * time.Second,
			engine.Succeeded, `{"Error":"States.Timeout","Cause":""}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a",
				"TimeoutSeconds":10,"HeartbeatSeconds":2,"End":true` + tc.handlers + `},"P":{"Type":"Pass","End":true}}}`
			sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			in := engine.New(sm, engine.Config{Region: "us-east-1"})
			ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{}`, Time: t0})
			task := step.Commands[len(step.Commands)-1].Task
			step = in.Apply(ex, engine.Event{Kind: engine.TaskStarted, TaskID: task.ID, Time: t0})
			var timer engine.Command
			for _, c := range step.Commands {
				if c.Kind == engine.StartTimer && c.At.Equal(t0.Add(tc.fire)) {
					timer = c
				}
			}
			if timer.TimerID == 0 {
				t.Fatalf("no timer at %v in %+v", tc.fire, step.Commands)
			}
			out := in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: timer.TimerID, Time: timer.At})
			if ex.Status != tc.status {
				t.Fatalf("%s %s, events %s", ex.Status, deref(ex.Error), types(out.Events))
			}
			if types(out.Events)[:len("ActivityTimedOut")] != "ActivityTimedOut" {
				t.Errorf("events %s", types(out.Events))
			}
			if tc.want != "" {
				jsonEqual(t, ex.Output, tc.want)
			}
			if tc.status == engine.Running && types(out.Events) != "ActivityTimedOut" {
				t.Errorf("retried: events %s", types(out.Events))
			}
		})
	}
}

// TestRetryDelayBeyondDuration: a retrier whose back-off grows past what a time.Duration holds
// still waits (the execution times out first, as on AWS) rather than retrying at once.
func TestRetryDelayBeyondDuration(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
		"Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"BackoffRate":1e12,"MaxAttempts":3}],"End":true}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{Region: "us-east-1"})
	ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{}`, Time: t0})
	now := t0
	for attempt, least := range []time.Duration{time.Second, 365 * 24 * time.Hour} {
		task := step.Commands[len(step.Commands)-1].Task
		step = in.Apply(ex, engine.Event{Kind: engine.TaskFailed, TaskID: task.ID, Error: "Boom", HasError: true, Time: now})
		last := step.Commands[len(step.Commands)-1]
		if ex.Status != engine.Running || last.Kind != engine.StartTimer {
			t.Fatalf("attempt %d: %s, commands %+v", attempt, ex.Status, step.Commands)
		}
		if last.At.Before(now.Add(least)) {
			t.Fatalf("attempt %d: retry at %v, %v after the failure", attempt, last.At, last.At.Sub(now))
		}
		now = now.Add(time.Second)
		step = in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: last.TimerID, Time: now})
	}
}

// TestTaskTimeoutBeyondDuration: a TimeoutSecondsPath or HeartbeatSecondsPath beyond what a
// time.Duration holds sets its timer past the execution's end, not in the past.
func TestTaskTimeoutBeyondDuration(t *testing.T) {
	def := `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"FunctionName":"f"},
		"TimeoutSecondsPath":"$.s","HeartbeatSecondsPath":"$.s","End":true}}}`
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.New(sm, engine.Config{Region: "us-east-1"})
	ex, step := in.Start(engine.Start{ExecutionArn: "arn:x", Input: `{"s":10000000000}`, Time: t0})
	task := step.Commands[len(step.Commands)-1].Task
	step = in.Apply(ex, engine.Event{Kind: engine.TaskStarted, TaskID: task.ID, Time: t0})
	timers := 0
	for _, c := range step.Commands {
		if c.Kind != engine.StartTimer {
			continue
		}
		timers++
		if c.At.Before(t0.Add(365 * 24 * time.Hour)) {
			t.Errorf("timer at %v, %v after the start", c.At, c.At.Sub(t0))
		}
	}
	if timers != 2 {
		t.Fatalf("%d timers in %+v", timers, step.Commands)
	}
}
