package engine

import (
	"encoding/json"
	"sort"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// A Distributed Map's ItemReader and ResultWriter are I/O, which the engine does not do: it
// asks its driver with a ScheduleTask command whose Task.Kind is TaskItemReader or
// TaskResultWriter, and waits for TaskSucceeded or TaskFailed as for any task. AWS writes no
// history event for either, so neither does the engine. The items a read returned become the
// run's Items in the execution's state in the same step that applies TaskSucceeded, so a
// restart replays from the stored items and never reads again what a committed step read.

// maxReaderItems is the most items AWS reads: a larger MaxItems reads them all.
const maxReaderItems = 100_000_000

// ReaderConfig is what an ItemReader task's Config carries: the state's ReaderConfig with
// MaxItems resolved (0: no limit) and MaxItemsPath dropped.
type ReaderConfig map[string]any

// WriterConfig is what a ResultWriter task's Config carries.
type WriterConfig struct {
	MapRunArn      string `json:"MapRunArn"`
	Transformation string `json:"Transformation,omitempty"`
	OutputType     string `json:"OutputType,omitempty"`
	// Results are the run's children in index order, as the result files report them.
	Results []ChildResult `json:"Results"`
}

// ChildResult is one child execution's outcome, as a ResultWriter reports it.
type ChildResult struct {
	Index        int       `json:"index"`
	ExecutionArn string    `json:"executionArn"`
	Status       Status    `json:"status"`
	Input        string    `json:"input"`
	Output       *string   `json:"output,omitempty"`
	Error        *string   `json:"error,omitempty"`
	Cause        *string   `json:"cause,omitempty"`
	StartDate    time.Time `json:"startDate"`
	StopDate     time.Time `json:"stopDate"`
}

const (
	taskKindReader = "itemReader"
	taskKindWriter = "resultWriter"
)

// readItems starts a Distributed Map whose items come from an ItemReader: MapStateStarted
// (length 0, as AWS records it), MapRunStarted, then a read the driver carries out.
func (x *run) readItems(f *Frame, st *asl.State) {
	ir := st.ItemReader
	sc := x.scope(f, st, f.Input)
	if st.QueryLanguage != asl.JSONata {
		eff, err := x.inputPath(sc, st, f.Input)
		if err != nil {
			x.mapStartFailed(f, st, err)
			return
		}
		f.Effective = eff
		sc.input = eff
	}
	params := any(value.NewObject(0))
	if ir.Parameters != nil {
		name := "Parameters"
		if st.QueryLanguage == asl.JSONata {
			name = "Arguments"
		}
		var err error
		if params, err = sc.template(ir.Parameters, name); err != nil {
			x.mapStartFailed(f, st, err)
			return
		}
	}
	m := &MapRun{Items: []any{}, Results: []any{}, ToleratedCount: -1, ToleratedPercent: -1, Distributed: true,
		Source: itemSource(ir.Resource, params)}
	maxActive, _, err := x.intField(sc, st.MaxConcurrency, "MaxConcurrency")
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	m.MaxActive = int(maxActive)
	x.emit(f, history.Event{Type: "MapStateStarted", Details: &history.MapStateStarted{Length: 0}})
	maxItems, _, err := x.intField(sc, ir.MaxItems, "MaxItems")
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	if err = x.tolerance(sc, st, m); err != nil {
		x.stateError(f, st, err)
		return
	}
	x.startRun(f, st, m)
	if maxItems < 0 {
		x.runFailed(f, st, m, failure{Error: "States.ItemReaderFailed", Cause: "field MaxItems must be positive"})
		return
	}
	if fl := writerUnsupported(st); fl != nil {
		x.runFailed(f, st, m, *fl)
		return
	}
	cfg := ReaderConfig{}
	for k, v := range ir.ReaderConfig {
		if k != "MaxItems" && k != "MaxItemsPath" {
			cfg[k] = v
		}
	}
	cfg["MaxItems"] = value.FromInt(min(maxItems, maxReaderItems))
	f.Map = m
	f.Children = nil
	x.ioTask(f, st, TaskItemReader, taskKindReader, ir.Resource, params, value.Encode(map[string]any(cfg)))
}

// itemSource is $$.Map.Item.Source for the items an ItemReader reads. AWS's developer guide
// (the Context object, "Map"): "S3://bucket-name" for s3:listObjectsV2 (with Transformation
// NONE, the only one Stepwise reads), the object's S3 URI "S3://bucket-name/object-key" for
// the other readers (s3:getObject of a JSON, JSONL, CSV or Parquet file, or of a manifest).
func itemSource(resource string, params any) string {
	p, _ := value.AsObject(params)
	str := func(k string) string {
		if p == nil {
			return ""
		}
		v, _ := p.Get(k)
		s, _ := v.(string)
		return s
	}
	if strings.HasSuffix(resource, ":s3:listObjectsV2") {
		return "S3://" + str("Bucket")
	}
	return "S3://" + str("Bucket") + "/" + str("Key")
}

// ioTask schedules a reader's or a writer's task and makes f wait for it.
func (x *run) ioTask(f *Frame, st *asl.State, kind, waitKind, resource string, params any, cfg string) {
	res := ParseResource(resource)
	x.ex.NextTaskID++
	t := &Task{ID: x.ex.NextTaskID, Kind: kind, Resource: resource, ResourceType: res.Type, ResourceName: res.Name,
		Parameters: value.Encode(params), Config: cfg, ExecutionRoleArn: x.ex.RoleArn,
		StateName: st.Name, Execution: x.ex.ExecutionArn}
	f.Phase = phaseTask
	f.Task = &TaskWait{ID: t.ID, ResourceType: res.Type, ResourceName: res.Name, Kind: waitKind}
	x.command(Command{Kind: ScheduleTask, Task: t})
}

// mapIOEvent applies the outcome of a reader's or a writer's task; it reports false for a
// task of a Task state.
func (x *run) mapIOEvent(f *Frame, st *asl.State, ev Event) bool {
	tw := f.Task
	if tw.Kind != taskKindReader && tw.Kind != taskKindWriter {
		return false
	}
	if ev.Kind != TaskSucceeded && ev.Kind != TaskFailed {
		return true // started, heartbeat: nothing to record
	}
	f.Task = nil
	m := f.Map
	if tw.Kind == taskKindReader {
		if ev.Kind == TaskFailed {
			f.Map = nil
			x.runFailed(f, st, m, failure{Error: errorOr(ev.Error, "States.ItemReaderFailed"), Cause: ev.Cause})
			return true
		}
		items, ok := decodeItems(ev.Output)
		if !ok {
			f.Map = nil
			x.runFailed(f, st, m, failure{Error: "States.ItemReaderFailed", Cause: "Attempting to map over non-iterable node."})
			return true
		}
		m.Items, m.Results = items, make([]any, len(items))
		if st.ItemBatcher != nil {
			sc := x.scope(f, st, f.Input)
			if st.QueryLanguage != asl.JSONata {
				sc.input = f.Effective
			}
			if err := x.batchItems(f, st, sc, m); err != nil {
				// The run has started: it fails with the batcher's error.
				f.Map = nil
				x.runFailed(f, st, m, x.asFailure(f, err))
				return true
			}
		}
		m.StartedPrev = f.Last
		f.Phase = phaseChildren
		x.mapRunChanged(m, MapRunRunning)
		return true
	}
	// The writer ran after the last child ended.
	f.Map = nil
	if ev.Kind == TaskFailed {
		x.runFailed(f, st, m, failure{Error: errorOr(ev.Error, "States.ResultWriterFailed"), Cause: ev.Cause})
		return true
	}
	details, err := value.DecodeString(ev.Output)
	if err != nil {
		details = ev.Output
	}
	x.mapDone(f, st, m, value.Obj("MapRunArn", m.RunArn, "ResultWriterDetails", details))
	return true
}

// mapIOWait reports whether Map frame f waits for its reader or its writer.
func mapIOWait(f *Frame) bool {
	return f.Phase == phaseTask && f.Task != nil && (f.Task.Kind == taskKindReader || f.Task.Kind == taskKindWriter)
}

func errorOr(name, def string) string {
	if name == "" {
		return def
	}
	return name
}

// decodeItems reads a reader's output: a JSON array.
func decodeItems(text string) ([]any, bool) {
	v, err := value.DecodeString(text)
	if err != nil {
		return nil, false
	}
	items, ok := v.([]any)
	return items, ok
}

// writesS3 reports whether a Map state's ResultWriter writes to S3.
func writesS3(st *asl.State) bool {
	return st.Writer != nil && st.Writer.Resource != "" && st.ProcessorMode == "DISTRIBUTED"
}

// keepResult notes child c's outcome for the ResultWriter.
func (x *run) keepResult(f *Frame, st *asl.State, c *Frame, status Status) {
	m := f.Map
	if !writesS3(st) || c.Child == nil {
		return
	}
	_, arn, _ := c.childIDs()
	r := ChildResult{Index: c.Index, ExecutionArn: arn, Status: status, StartDate: c.Child.StartedAt, StopDate: x.now}
	if in, err := x.itemInput(f, st, c.Index); err == nil {
		r.Input = value.Encode(in)
	}
	switch status {
	case Succeeded:
		out := value.Encode(c.Output)
		r.Output = &out
	default:
		if c.Err != nil {
			r.Error, r.Cause = history.Str(c.Err.Error), history.Str(c.Err.Cause)
		}
	}
	m.Written = append(m.Written, r)
}

// writeS3 asks the driver to write the run's results; mapIOEvent finishes the state.
func (x *run) writeS3(f *Frame, st *asl.State, m *MapRun) {
	sc := x.scope(f, st, f.Input)
	if st.QueryLanguage != asl.JSONata && f.Effective != nil {
		sc.input = f.Effective
	}
	v, err := sc.template(st.ResultWriter, "ResultWriter")
	if err != nil {
		f.Map = nil
		x.runFailed(f, st, m, failure{Error: "States.ResultWriterFailed", Cause: err.Error()})
		return
	}
	params, _ := value.Get(v, "Parameters")
	if params == nil {
		params, _ = value.Get(v, "Arguments")
	}
	// Children end in any order; the files list them in the order of their items. A child a
	// redrive ran again is reported as it ended last.
	sort.SliceStable(m.Written, func(i, j int) bool { return m.Written[i].Index < m.Written[j].Index })
	kept := m.Written[:0]
	for i, r := range m.Written {
		if i+1 < len(m.Written) && m.Written[i+1].Index == r.Index {
			continue
		}
		kept = append(kept, r)
	}
	m.Written = kept
	cfg := WriterConfig{MapRunArn: m.RunArn, Transformation: st.Writer.Transformation, Results: m.Written}
	if wc, ok := value.Get(v, "WriterConfig"); ok {
		ot, _ := value.Get(wc, "OutputType")
		cfg.OutputType, _ = ot.(string)
	}
	text, err := json.Marshal(cfg)
	if err != nil {
		text = []byte("{}")
	}
	f.Map = m
	f.Children = nil
	x.ioTask(f, st, TaskResultWriter, taskKindWriter, st.Writer.Resource, params, string(text))
}
