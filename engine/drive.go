package engine

import (
	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// drive runs every frame that can make progress until all of them wait for something
// outside or the execution ends.
func (x *run) drive() {
	x.ex.Root.walk(func(*Frame) bool { return true }) // restore parent links
	x.advance(x.ex.Root)
}

// advance runs one frame as far as it can go.
func (x *run) advance(f *Frame) {
	for !x.ex.Done() {
		switch f.Phase {
		case phaseEnter:
			if x.inExhausted(f) {
				return // its child execution failed on reaching the quota
			}
			if x.shouldYield() {
				x.yield(f)
				return
			}
			x.enter(f)
		case phaseChildren:
			if !x.advanceChildren(f) {
				return
			}
		default:
			return
		}
	}
}

// enter records the state's entry and runs it.
func (x *run) enter(f *Frame) {
	st := x.state(f)
	x.entries++
	f.EnteredAt = x.now
	f.Attempts, f.RetryCount = nil, 0
	f.EnteredPrev = f.Last
	if f.inputText == "" {
		f.inputText = value.Encode(f.Input)
	}
	text := f.inputText
	f.Entered = x.emit(f, history.Event{Type: stateEvent(st.Type, stateEntered), Details: &history.StateEntered{
		Name: st.Name, Input: text,
	}})
	x.execute(f, st)
	f.Redriven = false
}

// execute runs the state's work (again, for a retry).
func (x *run) execute(f *Frame, st *asl.State) {
	switch st.Type {
	case asl.TypePass:
		x.pass(f, st)
	case asl.TypeChoice:
		x.choice(f, st)
	case asl.TypeWait:
		x.wait(f, st)
	case asl.TypeSucceed:
		x.succeed(f, st)
	case asl.TypeFail:
		x.fail(f, st)
	case asl.TypeTask:
		x.task(f, st)
	case asl.TypeParallel:
		x.parallel(f, st)
	case asl.TypeMap:
		x.mapState(f, st)
	}
}

// timerFired handles a due timer of a frame: a Wait ends, a retry starts, a task times out.
func (x *run) timerFired(f *Frame, ev Event) {
	st := x.state(f)
	switch f.Phase {
	case phaseWait:
		f.TimerID = 0
		x.waitDone(f, st)
	case phaseRetry:
		f.TimerID = 0
		x.execute(f, st)
	case phaseTask:
		x.taskTimedOut(f, st, ev.TimerID)
	}
}

// exitState records the state's exit with its output and commits its variables. text is the
// output's JSON text when the caller has it already, or "". It returns the text.
func (x *run) exitState(f *Frame, st *asl.State, output any, text string, assigned map[string]any) string {
	if text == "" {
		text = outputText(f, output)
	}
	details := &history.StateExited{Name: st.Name, Output: text}
	if len(assigned) > 0 { // AWS records nothing for an empty Assign
		details.AssignedVariables = make(map[string]string, len(assigned))
		for k, v := range assigned {
			details.AssignedVariables[k] = value.Encode(v)
		}
		details.AssignedVariablesDetails = &history.DataDetails{}
	}
	x.emit(f, history.Event{Type: stateEvent(st.Type, stateExited), Details: details})
	if len(assigned) > 0 {
		vars := x.scopeOf(f)
		if *vars == nil {
			*vars = map[string]any{}
		}
		for k, v := range assigned {
			(*vars)[k] = v
		}
	}
	return text
}

// outputText is the JSON text of a state's output: the text its entry encoded when the
// output is its input (a Choice, a Succeed, a Pass or Wait whose paths pass it through), else
// encoded now.
func outputText(f *Frame, output any) string {
	if f.inputText != "" && value.Same(output, f.Input) {
		return f.inputText
	}
	return value.Encode(output)
}

// transition moves the frame to its next state, or ends it when next is empty. text is the
// output's JSON text (exitState's): the next state's entry records the same text, and a
// value is encoded once, not at each event that shows it.
func (x *run) transition(f *Frame, next string, output any, text string) {
	if next == "" {
		x.frameSucceeded(f, output, text)
		return
	}
	f.State = next
	f.Input = output
	f.inputText = text
	f.Effective = nil
	f.Phase = phaseEnter
}

func (x *run) frameSucceeded(f *Frame, output any, text string) {
	f.Phase = phaseDone
	f.Outcome = outcomeSucceeded
	f.Output = output
	if f.parent == nil {
		x.succeedExecution(f, output, text)
	}
}

// finish is how every state that completes normally ends: the size check, the exit event and
// the transition.
func (x *run) finish(f *Frame, st *asl.State, output any, assigned map[string]any, next string) {
	text := outputText(f, output)
	if x.tooBig(text) {
		x.stateFailed(f, st, failure{Error: "States.DataLimitExceeded", Cause: "The state/task '" + st.Name + "' returned a result with a size exceeding the maximum number of bytes service limit."})
		return
	}
	x.exitState(f, st, output, text, assigned)
	if st.End || st.Type == asl.TypeSucceed {
		next = ""
	}
	x.transition(f, next, output, text)
}

// assignments evaluates an Assign block; nothing is assigned until every value is known.
func (x *run) assignments(sc *scope, t *asl.Template) (map[string]any, error) {
	v, err := sc.template(t, "Assign")
	if err != nil {
		return nil, err
	}
	o, _ := value.AsObject(v)
	m := o.Map() // variables are names: their order is not kept (history lists them sorted, as AWS does)
	// AWS's limits: one variable at most 256 KiB, all of one Assign together too, and all the
	// variables an execution holds at once 10 MiB.
	tooLarge := func() error {
		return &evalError{fl: failure{Error: "States.DataLimitExceeded",
			Cause: "The state/task '" + sc.f.State + "' assigned variables with a size exceeding the maximum number of bytes service limit."}}
	}
	total := 0
	for _, val := range m {
		n := len(value.Encode(val))
		total += n
		if n > maxVariableBytes || total > maxVariableBytes {
			return nil, tooLarge()
		}
	}
	if !x.ex.varBoundKnown {
		x.ex.varBound, x.ex.varBoundKnown = x.varBytes(x.ex.Root, nil, nil), true // a reloaded execution
	}
	if x.ex.varBound+total > maxStoredVariableBytes {
		// The bound may overstate what is held (values replaced since, scopes ended): measure.
		top := sc.f
		for top.parent != nil && !top.Distributed {
			top = top.parent
		}
		held := x.varBytes(top, sc.f, m) // without the values m replaces
		if held+total > maxStoredVariableBytes {
			return nil, tooLarge() // AWS's words for this bound are not known: the Assign's are used
		}
		if top.parent == nil {
			x.ex.varBound = held // a Distributed Map child's measure bounds its own alone
		}
	}
	x.ex.varBound += total
	return m, nil
}

// maxVariableBytes is the size limit of one variable, and of one Assign's variables together;
// maxStoredVariableBytes that of all the variables an execution holds at once.
const (
	maxVariableBytes       = 256 * 1024
	maxStoredVariableBytes = 10 * 1024 * 1024
)

// scopeOf is the variables of the scope f's states assign to: the execution's for the
// top-level frame, else f's own.
func (x *run) scopeOf(f *Frame) *map[string]any {
	if f.parent == nil {
		return &x.ex.Vars
	}
	return &f.Vars
}

// varBytes is the size (JSON text bytes) of the variables held in g's scope and the scopes
// below it (running Parallel branches and Map iterations: those that ended took theirs with
// them), without a Distributed Map's children, each an execution of its own, and without the
// variables of target's scope named in replaced. It encodes them all: it is called when a
// reloaded execution assigns for the first time, and when the bound kept on what was
// assigned since (Execution.varBound) comes near AWS's limit.
func (x *run) varBytes(g, target *Frame, replaced map[string]any) int {
	n := 0
	for k, v := range *x.scopeOf(g) {
		if _, ok := replaced[k]; ok && g == target {
			continue
		}
		n += len(value.Encode(v))
	}
	for _, c := range g.Children {
		if !c.Distributed {
			n += x.varBytes(c, target, replaced)
		}
	}
	return n
}

// --- JSONPath input and output processing ---

// inputPath applies InputPath to the raw input.
func (x *run) inputPath(sc *scope, st *asl.State, raw any) (any, error) {
	p := st.InputPath
	switch {
	case p == nil:
		return raw, nil
	case p.Null:
		return value.NewObject(0), nil
	}
	return sc.path(p)
}

// outputPath applies OutputPath to a state's output.
func (x *run) outputPath(sc *scope, st *asl.State, out any) (any, error) {
	p := st.OutputPath
	switch {
	case p == nil:
		return out, nil
	case p.Null:
		return value.NewObject(0), nil
	}
	sc.input = out
	return sc.path(p)
}

// applyResultPath places result into the raw input as ResultPath says.
func (x *run) applyResultPath(sc *scope, p *asl.Path, raw, result any) (any, error) {
	switch {
	case p == nil:
		return result, nil
	case p.Null:
		return raw, nil
	}
	out, err := p.Query.Set(raw, result)
	if err != nil {
		return nil, sc.runtimeErr("Invalid path '%s' : %v", p.Text, err)
	}
	return out, nil
}

// resultOutput runs the JSONPath result pipeline: ResultSelector, ResultPath, OutputPath.
// It returns the state's output and its assigned variables. Assign reads the raw result, as
// ResultSelector does: AWS evaluates the two side by side.
func (x *run) resultOutput(f *Frame, st *asl.State, result any) (any, map[string]any, error) {
	sc := x.scope(f, st, result)
	var err error
	var assigned map[string]any
	if st.Assign != nil {
		if assigned, err = x.assignments(sc, st.Assign); err != nil {
			return nil, nil, err
		}
	}
	if st.ResultSelector != nil {
		if result, err = sc.template(st.ResultSelector, "ResultSelector"); err != nil {
			return nil, nil, err
		}
		sc.input = result
	}
	out, err := x.applyResultPath(sc, st.ResultPath, f.Input, result)
	if err != nil {
		return nil, nil, err
	}
	out, err = x.outputPath(sc, st, out)
	return out, assigned, err
}

// jsonataOutput evaluates Output (default: the result, or the input when there is none) and
// Assign over the same $states.
func (x *run) jsonataOutput(f *Frame, st *asl.State, result any, hasResult bool) (any, map[string]any, error) {
	sc := x.scope(f, st, f.Input)
	sc.result, sc.hasResult = result, hasResult
	var assigned map[string]any
	var err error
	if st.Assign != nil {
		if assigned, err = x.assignments(sc, st.Assign); err != nil {
			return nil, nil, err
		}
	}
	out := f.Input
	if hasResult {
		out = result
	}
	if st.Output != nil {
		if out, err = sc.template(st.Output, "Output"); err != nil {
			return nil, nil, err
		}
	}
	return out, assigned, nil
}

// complete finishes a state that produced result (a Task's, a Parallel's or a Map's).
func (x *run) complete(f *Frame, st *asl.State, result any) {
	var out any
	var assigned map[string]any
	var err error
	if st.QueryLanguage == asl.JSONata {
		out, assigned, err = x.jsonataOutput(f, st, result, true)
	} else {
		out, assigned, err = x.resultOutput(f, st, result)
	}
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	x.finish(f, st, out, assigned, st.Next)
}

// A state's history events are named after its type: PassStateEntered, MapStateExited, ...
const (
	stateEntered = iota
	stateExited
	stateAborted
)

var stateEventSuffixes = [...]string{"StateEntered", "StateExited", "StateAborted"}

// stateEventNames holds every state type's event names, so that recording an event does not
// build its name again.
var stateEventNames = func() map[string]*[3]string {
	m := map[string]*[3]string{}
	for _, t := range []string{asl.TypePass, asl.TypeTask, asl.TypeChoice, asl.TypeWait, asl.TypeSucceed, asl.TypeFail, asl.TypeParallel, asl.TypeMap} {
		var names [3]string
		for i, s := range stateEventSuffixes {
			names[i] = t + s
		}
		m[t] = &names
	}
	return m
}()

// stateEvent names the event of kind (stateEntered, ...) of a state of type stateType.
func stateEvent(stateType string, kind int) string {
	if names := stateEventNames[stateType]; names != nil {
		return names[kind]
	}
	return stateType + stateEventSuffixes[kind]
}
