package engine_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

// distributed is a Distributed Map over the input whose iterations run one Task each.
func distributed(fields string) string {
	return `{"StartAt": "M", "States": {"M": {"Type": "Map", ` + fields + `"Label": "L", "End": true,
		"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
			"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}}}`
}

// mapRunDriver runs an execution step by step, keeping the newest record of each map run and
// the tasks it waits for, oldest first.
type mapRunDriver struct {
	t       *testing.T
	in      *engine.Interpreter
	ex      *engine.Execution
	tasks   []int64
	records map[string]*engine.MapRunRecord
	// children are the child executions in the order they started, with all their events.
	children []*engine.ChildExecution
	child    map[string]*engine.ChildExecution
	now      int
	// events are the types of the parent's events, in order.
	events []string
	// scheduled are the tasks asked for, in order.
	scheduled []*engine.Task
}

func newMapRunDriver(t *testing.T, def, input string) *mapRunDriver {
	t.Helper()
	sm, err := asl.Parse([]byte(def), asl.ValidateOptions{})
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	d := &mapRunDriver{t: t, in: engine.New(sm, engine.Config{Region: "us-east-1"}), records: map[string]*engine.MapRunRecord{}, child: map[string]*engine.ChildExecution{}}
	ex, step := d.in.Start(engine.Start{
		ExecutionArn:    "arn:aws:states:us-east-1:123456789012:execution:sm:ex",
		Name:            "ex",
		StateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm", StateMachineName: "sm",
		Input: input, Time: t0, Seed: 7,
	})
	d.ex = ex
	d.take(step)
	return d
}

func (d *mapRunDriver) take(step engine.Step) {
	seen := map[string]bool{}
	for _, e := range step.Events {
		d.events = append(d.events, e.Type)
	}
	for _, c := range step.Commands {
		switch c.Kind {
		case engine.ScheduleTask:
			d.tasks = append(d.tasks, c.Task.ID)
			d.scheduled = append(d.scheduled, c.Task)
		case engine.MapRunChanged:
			if seen[c.MapRun.MapRunArn] {
				d.t.Errorf("two records of %s in one step", c.MapRun.MapRunArn)
			}
			seen[c.MapRun.MapRunArn] = true
			d.records[c.MapRun.MapRunArn] = c.MapRun
		case engine.ChildExecutionChanged:
			ce := c.Child
			old := d.child[ce.ExecutionArn]
			if old == nil {
				if ce.Input == nil {
					d.t.Errorf("first step of %s without its input", ce.ExecutionArn)
				}
				d.child[ce.ExecutionArn] = ce
				d.children = append(d.children, ce)
				continue
			}
			evs := append(old.Events, ce.Events...)
			input := old.Input
			*old = *ce
			old.Events, old.Input = evs, input
		}
	}
}

func (d *mapRunDriver) apply(ev engine.Event) {
	d.now++
	ev.Time = t0.Add(time.Duration(d.now) * time.Second)
	d.take(d.in.Apply(d.ex, ev))
}

// answer ends the oldest waiting task with success, or failure.
func (d *mapRunDriver) answer(ok bool) {
	if len(d.tasks) == 0 {
		d.t.Fatal("no task waits")
	}
	id := d.tasks[0]
	d.tasks = d.tasks[1:]
	if ok {
		d.apply(engine.Event{Kind: engine.TaskSucceeded, TaskID: id, Output: `1`})
	} else {
		d.apply(engine.Event{Kind: engine.TaskFailed, TaskID: id, Error: "E", HasError: true})
	}
}

func (d *mapRunDriver) record() *engine.MapRunRecord {
	if len(d.records) != 1 {
		d.t.Fatalf("%d map runs, want 1", len(d.records))
	}
	for _, r := range d.records {
		return r
	}
	return nil
}

func ptr[T any](v T) *T { return &v }

func TestMapRunCounts(t *testing.T) {
	type counts = engine.MapRunCounts
	tests := []struct {
		name   string
		fields string
		input  string
		// steps: 's' a task succeeds, 'f' it fails, 'x' StopExecution, 'u' UpdateMapRun to
		// MaxConcurrency 0 (no limit) and ToleratedFailureCount 5.
		steps      string
		status     string
		counts     counts
		maxConc    int64
		tolCount   int64
		tolPercent float64
		execStatus engine.Status
	}{
		{name: "started", fields: `"MaxConcurrency": 2,`, input: `[1,2,3,4]`, steps: "",
			status: "RUNNING", maxConc: 2, execStatus: engine.Running,
			counts: counts{Pending: 2, Running: 2, Total: 4}},
		{name: "one done", fields: `"MaxConcurrency": 2,`, input: `[1,2,3,4]`, steps: "s",
			status: "RUNNING", maxConc: 2, execStatus: engine.Running,
			counts: counts{Pending: 1, Running: 2, Succeeded: 1, Total: 4, ResultsWritten: 1}},
		{name: "all succeed", fields: `"MaxConcurrency": 2,`, input: `[1,2,3]`, steps: "sss",
			status: "SUCCEEDED", maxConc: 2, execStatus: engine.Succeeded,
			counts: counts{Succeeded: 3, Total: 3, ResultsWritten: 3}},
		{name: "no items", input: `[]`, status: "SUCCEEDED", execStatus: engine.Succeeded},
		{name: "failure beyond tolerance", fields: `"MaxConcurrency": 2,`, input: `[1,2,3,4]`, steps: "sf",
			status: "FAILED", maxConc: 2, execStatus: engine.Failed,
			counts: counts{Pending: 1, Succeeded: 1, Failed: 1, Aborted: 1, Total: 4, ResultsWritten: 1}},
		{name: "tolerated failures", fields: `"ToleratedFailureCount": 1, "ToleratedFailurePercentage": 50,`, input: `[1,2,3]`, steps: "fss",
			status: "SUCCEEDED", tolCount: 1, tolPercent: 50, execStatus: engine.Succeeded,
			counts: counts{Succeeded: 2, Failed: 1, Total: 3, ResultsWritten: 2}},
		{name: "stopped", fields: `"MaxConcurrency": 2,`, input: `[1,2,3]`, steps: "sx",
			status: "ABORTED", maxConc: 2, execStatus: engine.Aborted,
			counts: counts{Succeeded: 1, Aborted: 2, Total: 3, ResultsWritten: 1}},
		{name: "update raises concurrency", fields: `"MaxConcurrency": 1,`, input: `[1,2,3,4]`, steps: "u",
			status: "RUNNING", tolCount: 5, execStatus: engine.Running,
			counts: counts{Running: 4, Total: 4}},
		{name: "update tolerates failures", fields: `"MaxConcurrency": 1,`, input: `[1,2,3]`, steps: "ufff",
			status: "SUCCEEDED", tolCount: 5, execStatus: engine.Succeeded,
			counts: counts{Failed: 3, Total: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newMapRunDriver(t, distributed(tt.fields), tt.input)
			for _, s := range tt.steps {
				switch s {
				case 's', 'f':
					d.answer(s == 's')
				case 'x':
					d.apply(engine.Event{Kind: engine.Stop})
				case 'u':
					d.apply(engine.Event{Kind: engine.UpdateMapRun, MapRun: &engine.MapRunUpdate{
						MapRunArn: d.record().MapRunArn, MaxConcurrency: ptr(int64(0)), ToleratedFailureCount: ptr(int64(5))}})
				}
			}
			r := d.record()
			if r.Status != tt.status || r.Counts != tt.counts || d.ex.Status != tt.execStatus {
				t.Errorf("status %s %+v (execution %s), want %s %+v (%s)", r.Status, r.Counts, d.ex.Status, tt.status, tt.counts, tt.execStatus)
			}
			if r.MaxConcurrency != tt.maxConc || r.ToleratedFailureCount != tt.tolCount || r.ToleratedFailurePercentage != tt.tolPercent {
				t.Errorf("limits %d %d %v, want %d %d %v", r.MaxConcurrency, r.ToleratedFailureCount, r.ToleratedFailurePercentage, tt.maxConc, tt.tolCount, tt.tolPercent)
			}
			if !r.StartDate.Equal(t0) || r.StopDate.IsZero() != (tt.status == "RUNNING") {
				t.Errorf("dates %v %v", r.StartDate, r.StopDate)
			}
			if r.ExecutionArn != d.ex.ExecutionArn || r.StateMachineArn != "arn:aws:states:us-east-1:123456789012:stateMachine:sm/L" {
				t.Errorf("arns %s %s", r.ExecutionArn, r.StateMachineArn)
			}
		})
	}
}

// A Distributed Map inside a Parallel branch is aborted when a sibling fails.
func TestMapRunAbortedBySibling(t *testing.T) {
	def := `{"StartAt": "P", "States": {"P": {"Type": "Parallel", "End": true, "Branches": [
		{"StartAt": "F", "States": {"F": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}},
		{"StartAt": "M", "States": {"M": {"Type": "Map", "Label": "L", "End": true,
			"ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
			"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}}}]}}}`
	d := newMapRunDriver(t, def, `[1,2]`)
	d.answer(false) // the first task scheduled is F's
	r := d.record()
	if r.Status != "ABORTED" || r.Counts != (engine.MapRunCounts{Aborted: 2, Total: 2}) {
		t.Fatalf("got %s %+v", r.Status, r.Counts)
	}
}

func TestMapRunStateMachineArn(t *testing.T) {
	for in, want := range map[string]string{
		"arn:aws:states:us-east-1:1:mapRun:sm/label:0d3c": "arn:aws:states:us-east-1:1:stateMachine:sm/label",
		"nocolon": "nocolon",
	} {
		if got := engine.MapRunStateMachineArn(in); got != want {
			t.Errorf("%s: got %s, want %s", in, got, want)
		}
	}
}

// childHistory renders a child's events as "id:prev:Type" items.
func childHistory(ce *engine.ChildExecution) string {
	var out []string
	for _, e := range ce.Events {
		out = append(out, fmt.Sprintf("%d:%d:%s", e.ID, e.PreviousEventID, e.Type))
	}
	return strings.Join(out, " ")
}

func TestMapRunChildExecutions(t *testing.T) {
	tests := []struct {
		name   string
		fields string
		input  string
		steps  string
		// want lists each child's status and history, in start order.
		want []string
	}{
		{name: "succeeded", fields: `"MaxConcurrency": 1,`, input: `[1,2]`, steps: "ss", want: []string{
			"SUCCEEDED 1:0:ExecutionStarted 2:1:TaskStateEntered 3:2:TaskScheduled 4:3:TaskSucceeded 5:4:TaskStateExited 6:5:ExecutionSucceeded",
			"SUCCEEDED 1:0:ExecutionStarted 2:1:TaskStateEntered 3:2:TaskScheduled 4:3:TaskSucceeded 5:4:TaskStateExited 6:5:ExecutionSucceeded",
		}},
		{name: "failed run aborts the others", input: `[1,2]`, steps: "f", want: []string{
			"FAILED 1:0:ExecutionStarted 2:1:TaskStateEntered 3:2:TaskScheduled 4:3:TaskFailed 5:4:ExecutionFailed",
			"ABORTED 1:0:ExecutionStarted 2:1:TaskStateEntered 3:2:TaskScheduled 4:0:ExecutionAborted",
		}},
		{name: "stopped parent", fields: `"MaxConcurrency": 1,`, input: `[1,2]`, steps: "x", want: []string{
			"ABORTED 1:0:ExecutionStarted 2:1:TaskStateEntered 3:2:TaskScheduled 4:0:ExecutionAborted",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newMapRunDriver(t, distributed(tt.fields), tt.input)
			for _, s := range tt.steps {
				switch s {
				case 's', 'f':
					d.answer(s == 's')
				case 'x':
					d.apply(engine.Event{Kind: engine.Stop})
				}
			}
			var got []string
			for _, ce := range d.children {
				got = append(got, string(ce.Status)+" "+childHistory(ce))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("children:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			r := d.record()
			for _, ce := range d.children {
				if !strings.HasPrefix(ce.ExecutionArn, "arn:aws:states:us-east-1:123456789012:execution:sm/L:") ||
					!strings.HasSuffix(ce.ExecutionArn, ":"+ce.Name) || ce.MapRunArn != r.MapRunArn ||
					ce.StateMachineArn != r.StateMachineArn || ce.StopDate.IsZero() || *ce.Input == "" {
					t.Errorf("child %+v", ce)
				}
			}
		})
	}
}

// The parent's state keeps a few fields per running child, never the children's events.
func TestMapRunChildrenStayOutOfParentState(t *testing.T) {
	d := newMapRunDriver(t, distributed(""), `[1,2,3,4,5,6,7,8,9,10]`)
	b, err := json.Marshal(d.ex)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "TaskStateEntered") || len(d.children) != 10 {
		t.Fatalf("%d children; state %s", len(d.children), b)
	}
}

// A Task in a Distributed Map's iteration names the child execution it runs in (a mock counts
// its invocations per execution); one of the execution itself names none.
func TestTaskNamesItsChildExecution(t *testing.T) {
	d := newMapRunDriver(t, distributed(`"MaxConcurrency": 2,`), `[1,2]`)
	if len(d.scheduled) != 2 {
		t.Fatalf("%d tasks scheduled", len(d.scheduled))
	}
	a, b := d.scheduled[0].ChildExecution, d.scheduled[1].ChildExecution
	if a == "" || b == "" || a == b || !strings.Contains(a, ":execution:") {
		t.Errorf("child executions %q and %q", a, b)
	}
	if len(d.children) == 0 || d.children[0].ExecutionArn != a && d.children[0].ExecutionArn != b {
		t.Errorf("the tasks' child executions %q, %q are not the children started", a, b)
	}
	_, evs := execute(t, `{"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true}}}`, `{}`,
		func(_ context.Context, task *engine.Task) (string, error) {
			if task.ChildExecution != "" {
				t.Errorf("a task of the execution itself names child execution %q", task.ChildExecution)
			}
			return `{}`, nil
		}, engine.Config{})
	if len(evs) == 0 {
		t.Fatal("no events")
	}
}

// A task names the TaskScheduled event that scheduled it, in the history it is recorded in:
// its execution's, or its Distributed Map child execution's; a Lambda function scheduled by
// its ARN (LambdaFunctionScheduled) names none.
func TestTaskNamesItsScheduledEvent(t *testing.T) {
	d := newMapRunDriver(t, distributed(`"MaxConcurrency": 2,`), `[1,2]`)
	if len(d.scheduled) != 2 {
		t.Fatalf("%d tasks scheduled", len(d.scheduled))
	}
	for _, task := range d.scheduled {
		var ce *engine.ChildExecution
		for _, c := range d.children {
			if c.ExecutionArn == task.ChildExecution {
				ce = c
			}
		}
		if ce == nil {
			t.Fatalf("the task's child execution %q was not started", task.ChildExecution)
		}
		var id int64
		for _, e := range ce.Events {
			if e.Type == "TaskScheduled" {
				id = e.ID
			}
		}
		if id == 0 || task.ScheduledEventID != id {
			t.Errorf("a child's task names event %d, its TaskScheduled is %d", task.ScheduledEventID, id)
		}
	}
	def := `{"StartAt":"P","States":{"P":{"Type":"Pass","Next":"T"},
		"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Retry":[{"ErrorEquals":["E"],"IntervalSeconds":1}],"Next":"F"},
		"F":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true}}}`
	var named []int64
	attempts := 0
	_, evs := execute(t, def, `{}`, func(_ context.Context, task *engine.Task) (string, error) {
		named = append(named, task.ScheduledEventID)
		if attempts++; attempts == 1 {
			return "", &runner.TaskError{Name: "E"}
		}
		return `{}`, nil
	}, engine.Config{})
	var want []int64
	for _, e := range evs {
		switch e.Type {
		case "TaskScheduled":
			want = append(want, e.ID)
		case "LambdaFunctionScheduled":
			want = append(want, 0)
		}
	}
	if len(want) != 3 || !slices.Equal(named, want) {
		t.Errorf("the tasks name events %v, want %v (two attempts of T, then F)", named, want)
	}
}

// A Map state runs at most 40 iterations at once inline and 10,000 child executions
// distributed, whatever its MaxConcurrency says above that (0: no limit of its own), as AWS
// documents the two modes; a lower MaxConcurrency holds. The iterations here each wait for a
// task, so all that may start do.
func TestMapConcurrencyLimits(t *testing.T) {
	inline := func(fields string) string {
		return `{"StartAt": "M", "States": {"M": {"Type": "Map", ` + fields + `"End": true,
			"ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}}}}`
	}
	items := func(n int) string {
		b, _ := json.Marshal(make([]int, n))
		return string(b)
	}
	for _, c := range []struct {
		name, def string
		items     int
		want      int
	}{
		{"inline, no MaxConcurrency", inline(""), 100, 40},
		{"inline, MaxConcurrency 0", inline(`"MaxConcurrency": 0, `), 100, 40},
		{"inline, MaxConcurrency 1000", inline(`"MaxConcurrency": 1000, `), 100, 40},
		{"inline, MaxConcurrency 7", inline(`"MaxConcurrency": 7, `), 100, 7},
		{"distributed, no MaxConcurrency", distributed(""), 10050, 10000},
		{"distributed, MaxConcurrency 20000", distributed(`"MaxConcurrency": 20000, `), 10050, 10000},
		{"distributed, MaxConcurrency 500", distributed(`"MaxConcurrency": 500, `), 10050, 500},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := newMapRunDriver(t, c.def, items(c.items))
			for i := 0; d.ex.YieldTimer != 0 && i < 100; i++ {
				d.apply(engine.Event{Kind: engine.TimerFired, TimerID: d.ex.YieldTimer}) // a long step goes on in slices
			}
			if got := len(d.tasks); got != c.want {
				t.Fatalf("%d iterations started, want %d", got, c.want)
			}
			d.answer(true) // one ends: one more starts in its place
			if got := len(d.tasks); got != c.want {
				t.Fatalf("%d iterations running after one ended, want %d", got, c.want)
			}
		})
	}
}
