package engine_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/runner"
)

const s3Reader = `"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW", "MaxItemsPath": "$.max"}, "Parameters": {"Bucket.$": "$.b", "Key": "k"}},`

// readerTask returns the ItemReader task the driver was asked to run.
func readerTask(t *testing.T, d *mapRunDriver) *engine.Task {
	t.Helper()
	if len(d.scheduled) != 1 || d.scheduled[0].Kind != engine.TaskItemReader {
		t.Fatalf("scheduled %+v, want one ItemReader task", d.scheduled)
	}
	return d.scheduled[0]
}

// The engine asks its driver to read the items with the resolved Parameters and the
// ReaderConfig (MaxItems resolved), then runs one child per item it is given.
func TestMapItemReaderTask(t *testing.T) {
	d := newMapRunDriver(t, distributedPass("JSONPath", s3Reader), `{"b": "bucket", "max": 2}`)
	rt := readerTask(t, d)
	if rt.Parameters != `{"Key":"k","Bucket":"bucket"}` || rt.Resource != "arn:aws:states:::s3:getObject" {
		t.Fatalf("parameters %s resource %s", rt.Parameters, rt.Resource)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(rt.Config), &cfg); err != nil || cfg["MaxItems"] != 2.0 || cfg["InputType"] != "CSV" || cfg["MaxItemsPath"] != nil {
		t.Fatalf("config %s (%v)", rt.Config, err)
	}
	if got := strings.Join(d.events, " "); got != "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted" {
		t.Fatalf("events before the read: %s", got)
	}
	d.apply(engine.Event{Kind: engine.TaskStarted, TaskID: rt.ID})
	d.apply(engine.Event{Kind: engine.TaskSucceeded, TaskID: rt.ID, Output: `[{"a":"1"},{"a":"2"}]`})
	want := "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded"
	if got := strings.Join(d.events, " "); got != want || d.ex.Status != engine.Succeeded {
		t.Fatalf("events %s, want %s", got, want)
	}
	jsonEqual(t, d.ex.Output, `[{"a":"1"},{"a":"2"}]`)
	if len(d.children) != 2 || d.record().Counts.Total != 2 {
		t.Fatalf("%d children, record %+v", len(d.children), d.record().Counts)
	}
}

// How a reader's failures appear, as recorded against AWS.
func TestMapItemReaderFailures(t *testing.T) {
	tests := []struct {
		name, input, answer, events, err, cause string
	}{
		{name: "read failed", input: `{"b": "x", "max": 0}`, answer: "fail", err: "States.ItemReaderFailed", cause: "CSV headers cannot contain duplicates.",
			events: "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateFailed ExecutionFailed"},
		{name: "not an array", input: `{"b": "x", "max": 0}`, answer: `{"a":1}`, err: "States.ItemReaderFailed", cause: "Attempting to map over non-iterable node.",
			events: "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateFailed ExecutionFailed"},
		{name: "negative MaxItems", input: `{"b": "x", "max": -1}`, err: "States.ItemReaderFailed", cause: "field MaxItems must be positive",
			events: "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunFailed MapStateFailed ExecutionFailed"},
		{name: "MaxItems not an integer", input: `{"b": "x", "max": 1.5}`, err: "States.Runtime",
			cause:  `The MaxItemsPath field refers to value "1.5" which is not a valid integer: $.max`,
			events: "ExecutionStarted MapStateEntered MapStateStarted ExecutionFailed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newMapRunDriver(t, distributedPass("JSONPath", s3Reader), tt.input)
			if tt.answer == "fail" {
				d.apply(engine.Event{Kind: engine.TaskFailed, TaskID: readerTask(t, d).ID, Error: "States.ItemReaderFailed", Cause: tt.cause})
			} else if tt.answer != "" {
				d.apply(engine.Event{Kind: engine.TaskSucceeded, TaskID: readerTask(t, d).ID, Output: tt.answer})
			}
			if got := strings.Join(d.events, " "); got != tt.events {
				t.Fatalf("events %s, want %s", got, tt.events)
			}
			if d.ex.Status != engine.Failed || *d.ex.Error != tt.err || !strings.HasSuffix(*d.ex.Cause, tt.cause) {
				t.Fatalf("%s %s %s", d.ex.Status, ptrText(d.ex.Error), ptrText(d.ex.Cause))
			}
		})
	}
}

// A ResultWriter with an S3 Resource asks the driver to write every child's outcome after the
// last child ended; the state's output is the run's ARN and the writer's details.
func TestMapResultWriterTask(t *testing.T) {
	d := newMapRunDriver(t, distributedPass("JSONPath",
		`"ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "rb", "Prefix.$": "$.p"}},"ItemsPath": "$.xs",`),
		`{"xs": ["a", "b"], "p": "jobs"}`)
	if len(d.scheduled) != 1 || d.scheduled[0].Kind != engine.TaskResultWriter {
		t.Fatalf("scheduled %+v", d.scheduled)
	}
	wt := d.scheduled[0]
	if wt.Parameters != `{"Bucket":"rb","Prefix":"jobs"}` {
		t.Fatalf("parameters %s", wt.Parameters)
	}
	var cfg engine.WriterConfig
	if err := json.Unmarshal([]byte(wt.Config), &cfg); err != nil || len(cfg.Results) != 2 || cfg.MapRunArn != d.record().MapRunArn {
		t.Fatalf("config %s (%v)", wt.Config, err)
	}
	for i, r := range cfg.Results {
		if r.Status != engine.Succeeded || r.Output == nil || r.Input != `"`+[]string{"a", "b"}[i]+`"` || r.ExecutionArn != d.children[i].ExecutionArn {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if d.ex.Status != engine.Running {
		t.Fatalf("ended before the write: %s", d.ex.Status)
	}
	d.apply(engine.Event{Kind: engine.TaskSucceeded, TaskID: wt.ID, Output: `{"Bucket":"rb","Key":"jobs/x/manifest.json"}`})
	want := "ExecutionStarted MapStateEntered MapStateStarted MapRunStarted MapRunSucceeded MapStateSucceeded MapStateExited ExecutionSucceeded"
	if got := strings.Join(d.events, " "); got != want {
		t.Fatalf("events %s", got)
	}
	jsonEqual(t, d.ex.Output, `{"MapRunArn":"`+cfg.MapRunArn+`","ResultWriterDetails":{"Bucket":"rb","Key":"jobs/x/manifest.json"}}`)
}

// The items read go through ItemSelector and ItemBatcher as items given in the input do.
func TestMapItemReaderSelectorBatcher(t *testing.T) {
	d := newMapRunDriver(t, distributedPass("JSONPath", `"ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "ReaderConfig": {"InputType": "JSON"}, "Parameters": {"Bucket": "b", "Key": "k"}},
		"ItemSelector": {"v.$": "$$.Map.Item.Value.n", "tag.$": "$.tag"}, "ItemBatcher": {"MaxItemsPerBatch": 2},`), `{"tag": "t"}`)
	d.apply(engine.Event{Kind: engine.TaskSucceeded, TaskID: readerTask(t, d).ID, Output: `[{"n":1},{"n":2},{"n":3}]`})
	if d.ex.Status != engine.Succeeded || len(d.children) != 2 {
		t.Fatalf("%s, %d children", d.ex.Status, len(d.children))
	}
	jsonEqual(t, *d.children[0].Input, `{"Items":[{"v":1,"tag":"t"},{"v":2,"tag":"t"}]}`)
	if r := d.record(); r.Counts.Total != 3 || r.ExecutionCounts.Total != 2 {
		t.Fatalf("counts %+v %+v", r.Counts, r.ExecutionCounts)
	}
}

// StopExecution while the items are read aborts the run and drops the read.
func TestMapItemReaderStopped(t *testing.T) {
	d := newMapRunDriver(t, distributedPass("JSONPath", s3Reader), `{"b": "x", "max": 0}`)
	rt := readerTask(t, d)
	d.apply(engine.Event{Kind: engine.Stop, Error: "E", Cause: "C", HasError: true, HasCause: true})
	if d.ex.Status != engine.Aborted || d.record().Status != engine.MapRunAborted {
		t.Fatalf("%s, run %s", d.ex.Status, d.record().Status)
	}
	n := len(d.events)
	d.apply(engine.Event{Kind: engine.TaskSucceeded, TaskID: rt.ID, Output: `[1]`})
	if len(d.events) != n || len(d.children) != 0 {
		t.Fatalf("a read after the stop changed the execution: %v", d.events[n:])
	}
}

// writerTasks answers a map's result write with fixed details, keeping what it was given, and
// runs other tasks with flaky.
type writerTasks struct {
	flaky
	written []engine.WriterConfig
}

func (w *writerTasks) RunTask(ctx context.Context, t *engine.Task) (string, error) {
	if t.Kind != engine.TaskResultWriter {
		return w.flaky.RunTask(ctx, t)
	}
	var cfg engine.WriterConfig
	if err := json.Unmarshal([]byte(t.Config), &cfg); err != nil {
		return "", err
	}
	w.written = append(w.written, cfg)
	return `{"Bucket":"b","Key":"k/manifest.json"}`, nil
}

// A redriven run writes each child once, as it ended last.
func TestMapResultWriterAfterRedrive(t *testing.T) {
	def := `{"StartAt":"M","States":{"M":{"Type":"Map","End":true,"MaxConcurrency":1,
		"ResultWriter":{"Resource":"arn:aws:states:::s3:putObject","Parameters":{"Bucket":"b","Prefix":"k"}},
		"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},"StartAt":"T","States":{"T":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Parameters":{"id.$":"$.id","fails.$":"$.fails"},"End":true}}}}}}`
	w := &writerTasks{}
	interp, ex, _ := startLocal(t, def, `[{"id":"a","fails":0},{"id":"b","fails":1},{"id":"c","fails":0}]`, w, engine.Config{})
	if ex.Status != engine.Failed || len(w.written) != 0 {
		t.Fatalf("first run %s, %d writes", ex.Status, len(w.written))
	}
	ex = roundTrip(t, ex)
	if _, err := runner.LocalRedrive(context.Background(), interp, ex, ex.StopTime.Add(time.Hour), runner.LocalOptions{TimeSkipping: true, Tasks: w}); err != nil {
		t.Fatal(err)
	}
	if ex.Status != engine.Succeeded || len(w.written) != 1 {
		t.Fatalf("after redrive %s, %d writes", ex.Status, len(w.written))
	}
	rs := w.written[0].Results
	if len(rs) != 3 {
		t.Fatalf("%d results: %+v", len(rs), rs)
	}
	for i, r := range rs {
		if r.Index != i || r.Status != engine.Succeeded {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
}
