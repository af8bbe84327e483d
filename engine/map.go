package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// mapState starts a Map state: it finds the items and the limits, then runs iterations.
func (x *run) mapState(f *Frame, st *asl.State) {
	if x.redriveIterations(f, st) {
		return
	}
	if st.ItemReader != nil && st.ProcessorMode == "DISTRIBUTED" {
		x.readItems(f, st)
		return
	}
	sc := x.scope(f, st, f.Input)
	eff := f.Input
	var items []any
	var err error
	if st.QueryLanguage == asl.JSONata {
		items, err = x.jsonataItems(sc, st)
	} else if eff, err = x.inputPath(sc, st, f.Input); err == nil {
		f.Effective = eff
		sc.input = eff
		items, err = x.jsonPathItems(sc, st, eff)
	}
	if err != nil {
		x.mapStartFailed(f, st, err)
		return
	}
	m := &MapRun{Items: items, Results: make([]any, len(items)), ToleratedCount: -1, ToleratedPercent: -1}
	m.Distributed = st.ProcessorMode == "DISTRIBUTED"
	var max int64
	if max, _, err = x.intField(sc, st.MaxConcurrency, "MaxConcurrency"); err != nil {
		x.stateError(f, st, err)
		return
	}
	m.MaxActive = int(max)
	x.emit(f, history.Event{Type: "MapStateStarted", Details: &history.MapStateStarted{Length: len(items)}})
	// AWS reads the tolerated-failure fields after MapStateStarted.
	if err = x.tolerance(sc, st, m); err != nil {
		x.stateError(f, st, err)
		return
	}
	if m.Distributed && st.ItemBatcher != nil {
		if err = x.batchItems(f, st, sc, m); err != nil {
			x.stateError(f, st, err)
			return
		}
	}
	if m.Distributed {
		x.startRun(f, st, m)
		// A writer Stepwise cannot apply fails the run before any child runs, not after all
		// of them ran for results that would be lost.
		if fl := writerUnsupported(st); fl != nil {
			x.runFailed(f, st, m, *fl)
			return
		}
	}
	m.StartedPrev = f.Last
	f.Map = m
	f.Children = nil
	f.Phase = phaseChildren
}

// startRun starts a Distributed Map's run: MapRunStarted and the run's first record.
func (x *run) startRun(f *Frame, st *asl.State, m *MapRun) {
	x.ex.MapRuns++
	label := st.Label
	if label == "" {
		label = x.uuid()
	}
	m.RunArn = fmt.Sprintf("%s/%s:%s", strings.Replace(x.ex.StateMachineArn, ":stateMachine:", ":mapRun:", 1), label, x.uuid())
	x.emit(f, history.Event{Type: "MapRunStarted", Details: &history.MapRunStarted{MapRunArn: m.RunArn}})
	m.StartDate = x.now
	m.StateName = st.Name
	x.mapRunChanged(m, MapRunRunning)
}

// mapStartFailed fails a Map state that could not start. A JSONata evaluation failure is
// recorded as EvaluationFailed then MapStateFailed, as AWS records it.
func (x *run) mapStartFailed(f *Frame, st *asl.State, err error) {
	fl := x.asFailure(f, err)
	if !fl.Runtime {
		x.emit(f, history.Event{Type: "MapStateFailed"})
	}
	x.stateFailed(f, st, fl)
}

func (x *run) jsonPathItems(sc *scope, st *asl.State, eff any) ([]any, error) {
	v := eff
	if st.ItemsPath != nil && !st.ItemsPath.Null {
		var err error
		if v, err = sc.path(st.ItemsPath); err != nil {
			return nil, err
		}
	}
	items, ok := v.([]any)
	if !ok && st.ItemsPath != nil && st.ItemsPath.Root == asl.RootContext {
		// AWS words it so for an ItemsPath into the Context object, naming the path with the
		// Context's "$$" written "$" (test_state/test_state_context_object).
		return nil, sc.runtimeErr("Reference path %q must point to array.", "$"+strings.TrimPrefix(st.ItemsPath.Text, "$$"))
	}
	if !ok {
		return nil, sc.runtimeErr("Map state input must be an array but was: %s", value.Encode(v))
	}
	return items, nil
}

func (x *run) jsonataItems(sc *scope, st *asl.State) ([]any, error) {
	if st.Items == nil {
		items, ok := sc.rawInput.([]any)
		if !ok {
			return nil, sc.queryErr("", "Map state input must be an array but was: %s", value.Encode(sc.rawInput))
		}
		return items, nil
	}
	v, err := sc.template(st.Items, "Items")
	if err != nil {
		return nil, err
	}
	items, ok := v.([]any)
	if !ok {
		return nil, sc.typeErr(st.Items, "Items", "array", v)
	}
	return items, nil
}

// tolerance reads ToleratedFailureCount and ToleratedFailurePercentage.
func (x *run) tolerance(sc *scope, st *asl.State, m *MapRun) error {
	if st.ToleratedFailureCount != nil {
		n, _, err := x.intField(sc, st.ToleratedFailureCount, "ToleratedFailureCount")
		if err != nil {
			return err
		}
		if n < 0 {
			return sc.runtimeErr("ToleratedFailureCount cannot be negative.")
		}
		m.ToleratedCount = n
	}
	if p := st.ToleratedFailurePercentage; p != nil {
		var pct float64
		switch {
		case p.Value != nil:
			pct = *p.Value
		case p.Path != nil:
			v, err := sc.query(p.Path)
			if err != nil {
				return sc.pathErr(p.Path, err)
			}
			f, ok := value.Float(v)
			if str, isStr := v.(string); isStr {
				// As for the integer fields, a string holding a number is read as that number.
				f, err = strconv.ParseFloat(str, 64)
				ok = err == nil
			}
			if !ok {
				text := value.Encode(v)
				if s, isStr := v.(string); isStr {
					text = s
				}
				return sc.runtimeErr("The ToleratedFailurePercentagePath field refers to value \"%s\" which is not a valid float: %s", text, p.Path.Text)
			}
			pct = f
		case p.Expr != nil:
			v, err := sc.template(p.Expr, "ToleratedFailurePercentage")
			if err != nil {
				return err
			}
			f, ok := value.Float(v)
			if !ok {
				return sc.typeErr(p.Expr, "ToleratedFailurePercentage", "number", v)
			}
			pct = f
		}
		if pct < 0 || pct > 100 {
			return sc.runtimeErr("ToleratedFailurePercentage must be between 0 and 100.")
		}
		m.ToleratedPercent = pct
	}
	return nil
}

// itemInput builds an iteration's input with ItemSelector (legacy Parameters), which sees
// the item in $$.Map.Item.
func (x *run) itemInput(f *Frame, st *asl.State, i int) (any, error) {
	if f.Map.Sizes != nil {
		return f.Map.Items[i], nil // a batch, its items already selected
	}
	return x.selectItem(f, st, f.Map, i, f.Map.Items[i])
}

// selectItem applies ItemSelector to item i of Map run m.
func (x *run) selectItem(f *Frame, st *asl.State, m *MapRun, i int, item any) (any, error) {
	if st.ItemSelector == nil {
		return item, nil
	}
	in := f.Effective
	if st.QueryLanguage == asl.JSONata {
		in = f.Input
	}
	sc := x.scope(f, st, in)
	source := m.Source
	if source == "" {
		source = "STATE_DATA"
	}
	sc.item = value.Obj("Index", value.FromInt(int64(i)), "Value", item, "Source", source)
	return sc.template(st.ItemSelector, "ItemSelector")
}

// The most iterations a Map state runs at once, whatever its MaxConcurrency (0: as many as
// allowed), as AWS documents its two modes: Inline "supports up to 40 concurrent
// iterations", and a Distributed Map runs up to 10,000 child executions in parallel.
// Iterations of states that need no task or timer end as they start, so only iterations that
// wait (a Task, a Wait, a retry, a child execution) queue behind the limit.
const (
	maxInlineActive      = 40
	maxDistributedActive = 10000
)

// advanceMap starts iterations as concurrency allows, runs them, and finishes the Map.
func (x *run) advanceMap(f *Frame, st *asl.State) bool {
	m := f.Map
	for {
		changed := false
		// Each new iteration runs as far as it can before the next starts, so iterations of
		// pure states appear one after another in the history, as AWS records them.
		limit := maxInlineActive
		if m.Distributed {
			limit = maxDistributedActive
		}
		if m.MaxActive > 0 {
			limit = min(limit, m.MaxActive)
		}
		for (len(m.Redo) > 0 || m.Next < len(m.Items)) && m.Active < limit {
			c := x.startIteration(f, st)
			if c == nil {
				return true
			}
			changed = true
			x.advanceIteration(c)
			if x.ex.Done() {
				return true
			}
			if c.Phase == phaseDone && !x.iterationDone(f, st, c) {
				return true
			}
		}
		for i := 0; i < len(f.Children); i++ {
			c := f.Children[i]
			if c.Phase != phaseDone {
				x.advanceIteration(c)
				if x.ex.Done() {
					return true
				}
			}
			if c.Phase == phaseDone {
				changed = true
				if !x.iterationDone(f, st, c) {
					return true
				}
				i--
			}
		}
		if len(m.Redo) == 0 && m.Next >= len(m.Items) && m.Active == 0 {
			x.mapSucceeded(f, st)
			return true
		}
		if !changed {
			return false
		}
	}
}

func (x *run) startIteration(f *Frame, st *asl.State) *Frame {
	m := f.Map
	var c *Frame
	if len(m.Redo) > 0 {
		// A redriven iteration enters again the state it did not finish.
		c = m.Redo[0]
		m.Redo = m.Redo[1:]
		c.parent = f
		c.rearm(0)
	} else {
		i := m.Next
		m.Next++
		input, err := x.itemInput(f, st, i)
		if err != nil {
			m.Next-- // not started: a redrive starts it again
			x.abortChildren(f, f.Last)
			x.mapRunChanged(m, MapRunFailed)
			x.stateError(f, st, err)
			x.keepForRedrive(f)
			return nil
		}
		c = &Frame{Graph: st.Name, Index: i, State: st.ItemProcessor.StartAt, Phase: phaseEnter, Input: input,
			parent: f, Distributed: f.Distributed || m.Distributed}
	}
	i := c.Index
	switch {
	case m.Distributed && c.Child != nil:
		x.redriveChild(c)
	case m.Distributed:
		x.startChild(c, m, st.ExecutionType == "EXPRESS")
	default:
		c.Last = x.emitPrev(f, history.Event{Type: "MapIterationStarted", Details: &history.MapIteration{Name: st.Name, Index: i}}, m.StartedPrev)
	}
	m.Active++
	f.Children = append(f.Children, c)
	x.mapRunChanged(m, MapRunRunning)
	return c
}

// iterationDone records a finished iteration. It reports false when the Map state itself
// has ended (an iteration failed beyond tolerance).
func (x *run) iterationDone(f *Frame, st *asl.State, c *Frame) bool {
	m := f.Map
	m.Active--
	for i, o := range f.Children {
		if o == c {
			f.Children = append(f.Children[:i], f.Children[i+1:]...)
			break
		}
	}
	if c.Outcome == outcomeSucceeded {
		x.keepResult(f, st, c, Succeeded)
		m.Results[c.Index] = c.Output
		m.Succeeded++
		m.ItemsSucceeded += m.size(c.Index)
		x.mapRunChanged(m, MapRunRunning)
		x.endChild(c, Succeeded)
		if !m.Distributed {
			x.emitPrev(f, history.Event{Type: "MapIterationSucceeded", Details: &history.MapIteration{Name: st.Name, Index: c.Index}}, c.Last)
			m.StartedPrev = c.Last
		}
		return true
	}
	if c.Child != nil && c.Child.TimedOut {
		// An Express child's five minutes: counted apart, and as a failure against the
		// tolerance.
		m.TimedOut++
		m.ItemsTimedOut += m.size(c.Index)
		x.keepResult(f, st, c, TimedOut)
		x.endChild(c, TimedOut)
	} else {
		m.Failed++
		m.ItemsFailed += m.size(c.Index)
		x.keepResult(f, st, c, Failed)
		x.endChild(c, Failed)
	}
	if !m.Distributed {
		x.emitPrev(f, history.Event{Type: "MapIterationFailed", Details: &history.MapIteration{Name: st.Name, Index: c.Index}}, c.Last)
		m.StartedPrev = c.Last
	}
	m.Kept = append(m.Kept, c)
	if x.tolerated(m) {
		m.Results[c.Index] = nil
		x.mapRunChanged(m, MapRunRunning)
		return true
	}
	prev := c.Last
	if !m.Distributed && c.TaskOpen {
		// The iteration failed in a Task state it never exited: AWS records TaskStateAborted
		// for it after MapIterationFailed, both threaded from the task's failure
		// (timeouts/test_timeouts' test_service_lambda_map_timeout).
		x.emitPrev(c, history.Event{Type: "TaskStateAborted"}, prev)
		c.TaskOpen = false
	}
	x.abortChildren(f, prev)
	x.mapRunChanged(m, MapRunFailed)
	fl := *c.Err
	if m.Distributed {
		fl = failure{Error: "States.ExceedToleratedFailureThreshold", Cause: "The specified tolerated failure threshold was exceeded"}
		x.emit(f, history.Event{Type: "MapRunFailed", Details: &history.Failure{Error: history.Str(fl.Error), Cause: history.Str(fl.Cause)}})
		x.emit(f, history.Event{Type: "MapStateFailed"})
		x.stateFailed(f, st, fl)
		x.keepForRedrive(f)
		return false
	}
	x.containerFailed(f, st, fl, "MapStateFailed", prev)
	x.keepForRedrive(f)
	return false
}

// tolerated reports whether the failures so far are within the Map's tolerance.
func (x *run) tolerated(m *MapRun) bool {
	if m.ToleratedCount < 0 && m.ToleratedPercent < 0 {
		return false
	}
	// With ItemBatcher, every item of a failed batch counts as failed, as AWS counts them.
	failed, total := m.itemsFailed(), m.itemTotal()
	if m.ToleratedCount >= 0 && int64(failed) <= m.ToleratedCount {
		return true
	}
	if m.ToleratedPercent >= 0 && total > 0 && float64(failed)*100/float64(total) <= m.ToleratedPercent {
		return true
	}
	return false
}

// abortChildren stops the iterations still running, threading their aborts from cause.
func (x *run) abortChildren(f *Frame, cause int64) {
	for _, c := range f.Children {
		if c.Phase == phaseDone {
			continue
		}
		if f.Map != nil {
			f.Map.Kept = append(f.Map.Kept, c) // a redrive runs it again
		}
		if f.Map != nil && f.Map.Distributed {
			x.abortChild(f, c)
			continue
		}
		x.abortFrame(c, cause)
		x.emitPrev(f, history.Event{Type: "MapIterationAborted", Details: &history.MapIteration{Name: f.State, Index: c.Index}}, cause)
	}
	f.Children = nil
}

func (x *run) mapSucceeded(f *Frame, st *asl.State) {
	m := f.Map
	f.Children = nil
	if writesS3(st) {
		x.writeS3(f, st, m)
		return
	}
	f.Map = nil
	x.mapDone(f, st, m, writeResults(st, m.Results))
}

// mapDone ends a Map state whose iterations all ended with output out.
func (x *run) mapDone(f *Frame, st *asl.State, m *MapRun, out any) {
	// MapStateSucceeded and MapStateExited both follow the last event before them: the last
	// iteration's (inline) or MapRunSucceeded (distributed), as AWS records them in most
	// recordings (in some, a Distributed Map's MapStateExited follows MapRunStarted: AWS
	// writes those events concurrently).
	if m.Distributed {
		x.emit(f, history.Event{Type: "MapRunSucceeded"})
		x.mapRunChanged(m, MapRunSucceeded)
	}
	prev := f.Last
	x.emit(f, history.Event{Type: "MapStateSucceeded"})
	f.Last = prev
	x.complete(f, st, out)
}
