package engine

import (
	"fmt"
	"strconv"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// Execution is the whole state of one execution. It holds only data (it can be saved as JSON
// and loaded again); the Interpreter gives it meaning.
type Execution struct {
	ExecutionArn     string    `json:"executionArn"`
	Name             string    `json:"name"`
	StateMachineArn  string    `json:"stateMachineArn"`
	StateMachineName string    `json:"stateMachineName"`
	RoleArn          string    `json:"roleArn"`
	Input            any       `json:"input"`
	InputText        string    `json:"inputText"`
	StartTime        time.Time `json:"startTime"`
	StopTime         time.Time `json:"stopTime,omitzero"`
	RedriveCount     int       `json:"redriveCount"`
	// RedriveTime is when the execution was last redriven.
	RedriveTime time.Time `json:"redriveTime,omitzero"`
	// Sync: started by StartSyncExecution (Start.Sync).
	Sync bool `json:"sync,omitempty"`

	Status Status `json:"status"`
	// Output is the execution's output as JSON text, set when it succeeded.
	Output string  `json:"output,omitempty"`
	Error  *string `json:"error,omitempty"`
	Cause  *string `json:"cause,omitempty"`

	// LastEventID is the id of the newest history event.
	LastEventID int64  `json:"lastEventId"`
	Root        *Frame `json:"root"`
	// Vars are the workflow variables of the top-level scope.
	Vars map[string]any `json:"vars,omitempty"`
	// varBound bounds the size of the variables held (run.assignments): what was held when
	// it was last measured, plus all assigned since. Not stored: a reloaded execution
	// measures again (varBoundKnown false).
	varBound      int
	varBoundKnown bool

	NextTaskID  int64 `json:"nextTaskId"`
	NextTimerID int64 `json:"nextTimerId"`
	// TimeoutTimer is the timer of the machine's TimeoutSeconds, if any.
	TimeoutTimer int64 `json:"timeoutTimer,omitempty"`
	// YieldTimer is the timer, due at once, after which the frames that yielded go on.
	YieldTimer int64 `json:"yieldTimer,omitempty"`
	Seed       int64 `json:"seed"`
	Draws      int64 `json:"draws"`
	MapRuns    int64 `json:"mapRuns,omitempty"`

	// Revision names the state machine revision the execution runs. The engine does not use
	// it; the runner reloads that revision's definition.
	Revision string `json:"revision,omitempty"`
	// RedriveTokens are the client tokens of the latest redrives, which the runner keeps to
	// make RedriveExecution idempotent; the engine does not use them.
	RedriveTokens []RedriveToken `json:"redriveTokens,omitempty"`
}

// RedriveToken is the client token of one redrive and when that redrive happened.
type RedriveToken struct {
	Token string    `json:"token"`
	Time  time.Time `json:"time"`
}

// TaskWaiting reports whether the execution waits for task id, and whether that task's request
// was accepted already (TaskSubmitted): such a task waits for its callback, not to be run.
func (e *Execution) TaskWaiting(id int64) (waiting, submitted bool) {
	if e.Done() || e.Root == nil {
		return false, false
	}
	f := e.Root.findTask(id)
	if f == nil {
		return false, false
	}
	return true, f.Task.Submitted
}

// AWS's maximum execution durations.
const (
	maxStandardDuration = 365 * 24 * time.Hour
	maxExpressDuration  = 5 * time.Minute
)

// Done reports whether the execution has ended.
func (e *Execution) Done() bool { return e.Status != Running }

// Interpreter runs executions of one state machine.
type Interpreter struct {
	sm     *asl.StateMachine
	cfg    Config
	graphs map[string]*asl.Graph
}

// New returns an interpreter for a parsed state machine.
func New(sm *asl.StateMachine, cfg Config) *Interpreter {
	if cfg.MaxHistoryEvents == 0 {
		cfg.MaxHistoryEvents = defaultMaxHistoryEvents
	}
	if cfg.MaxPayloadBytes == 0 {
		cfg.MaxPayloadBytes = defaultMaxPayloadBytes
	}
	in := &Interpreter{sm: sm, cfg: cfg, graphs: map[string]*asl.Graph{}}
	in.index("", &sm.Graph)
	return in
}

// index records every graph under an id that survives serialisation: "" for the machine,
// "<state>/<n>" for a Parallel branch, "<state>" for a Map's item processor. State names are
// unique across a definition, so these ids are too.
func (in *Interpreter) index(id string, g *asl.Graph) {
	in.graphs[id] = g
	for name, s := range g.States {
		for i, b := range s.Branches {
			in.index(name+"/"+strconv.Itoa(i), b)
		}
		if s.ItemProcessor != nil {
			in.index(name, s.ItemProcessor)
		}
	}
}

// StateMachine returns the definition the interpreter runs.
func (in *Interpreter) StateMachine() *asl.StateMachine { return in.sm }

// run is the working context of one call into the interpreter.
type run struct {
	in   *Interpreter
	ex   *Execution
	now  time.Time
	step Step
	// runChanges are the map runs the step changed, by ARN (see mapRunChanged).
	runChanges map[string]*runChange
	// childCmds indexes the step's ChildExecutionChanged commands by child execution ARN.
	childCmds map[string]int
	// ctxExecution and ctxStateMachine are the Context object's Execution and StateMachine
	// members, the same for every state of the run: built once, not for every scope that
	// reads $$ (each iteration of a Map with an ItemSelector does). ctxRedrive is the
	// RedriveCount ctxExecution was built with.
	ctxExecution, ctxStateMachine *value.Object
	ctxRedrive                    int
	// entries counts the states entered, and spent the evaluation steps used, in this call:
	// past yieldEntries or a budget's worth of steps, the frames yield (yield.go).
	entries int
	spent   int64
	// exhausted: a child execution reached its history quota in this call (emitChild).
	exhausted bool
	// pathMeter and callMeter are reset for each JSONPath and intrinsic evaluation (a path
	// may be evaluated inside a call, hence two).
	pathMeter, callMeter budget.Meter
}

// Start begins an execution: it records ExecutionStarted and runs until the execution waits
// for something outside.
func (in *Interpreter) Start(st Start) (*Execution, Step) {
	ex := &Execution{
		ExecutionArn:     st.ExecutionArn,
		Name:             st.Name,
		StateMachineArn:  st.StateMachineArn,
		StateMachineName: st.StateMachineName,
		RoleArn:          st.RoleArn,
		InputText:        st.Input,
		StartTime:        st.Time,
		Status:           Running,
		Seed:             st.Seed,
		Sync:             st.Sync,
	}
	x := &run{in: in, ex: ex, now: st.Time}
	input, err := value.DecodeString(st.Input)
	if err != nil {
		input = nil
	}
	ex.Input = input
	x.emit(nil, history.Event{Type: "ExecutionStarted", Details: &history.ExecutionStarted{
		Input:                  st.Input,
		RoleArn:                st.RoleArn,
		StateMachineAliasArn:   st.AliasArn,
		StateMachineVersionArn: st.VersionArn,
	}})
	// The execution times out at the machine's TimeoutSeconds, and at the latest after AWS's
	// maximum duration: a year for Standard, five minutes for Express.
	limit := maxStandardDuration
	if in.cfg.Express {
		limit = maxExpressDuration
	}
	if in.sm.TimeoutSeconds != nil {
		limit = min(limit, time.Duration(*in.sm.TimeoutSeconds)*time.Second)
	}
	ex.NextTimerID++
	ex.TimeoutTimer = ex.NextTimerID
	x.command(Command{Kind: StartTimer, TimerID: ex.TimeoutTimer, At: st.Time.Add(limit)})
	ex.Root = &Frame{Graph: "", State: in.sm.StartAt, Phase: phaseEnter, Input: input}
	if st.Defer {
		x.yield(ex.Root)
		return ex, x.step
	}
	x.drive()
	x.finishRuns()
	return ex, x.step
}

// Apply feeds one event to a running execution, changing it in place, and returns the
// history events and commands that follow from it. Events for tasks or timers the execution
// no longer waits for are ignored.
func (in *Interpreter) Apply(ex *Execution, ev Event) Step {
	x := &run{in: in, ex: ex, now: ev.Time}
	if ex.Done() {
		return x.step
	}
	switch ev.Kind {
	case Stop:
		x.abort(ev)
	case UpdateMapRun:
		x.updateMapRun(ev.MapRun)
	case TimerFired:
		if ev.TimerID == ex.TimeoutTimer && ex.TimeoutTimer != 0 {
			x.timeout()
			break
		}
		if ev.TimerID == ex.YieldTimer && ex.YieldTimer != 0 {
			x.resume()
			break
		}
		if f := ex.Root.findTimer(ev.TimerID); f != nil && f.Child != nil && f.Child.TimeoutTimer == ev.TimerID {
			x.childTimedOut(f)
		} else if f != nil {
			x.timerFired(f, ev)
		}
	default:
		if f := ex.Root.findTask(ev.TaskID); f != nil {
			x.taskEvent(f, ev)
		}
	}
	if !ex.Done() {
		x.drive()
	}
	x.finishRuns()
	return x.step
}

// command queues c for the driver. Nothing is started for an execution that has ended: the
// event that schedules a task or enters a Wait state may be the one that reaches the history
// quota and becomes ExecutionFailed instead, and the code that emitted it goes on to ask for
// the task or the timer, which would then run (a Lambda function invoked, a message sent, an
// activity task stored) for an execution that can no longer hear of it. As on AWS, where no
// TaskScheduled was recorded, nothing runs.
func (x *run) command(c Command) {
	if x.ex.Done() && (c.Kind == ScheduleTask || c.Kind == StartTimer) {
		return
	}
	if c.Kind == ScheduleTask && x.childExhausted(c.Task.ChildExecution) {
		return // the same for a child execution that reached its quota (emitChild)
	}
	x.step.Commands = append(x.step.Commands, c)
}

// emit appends a history event for frame f (nil for execution-level events), threading
// previousEventId from the frame's last event unless the event already names one. It
// enforces the history quota the way AWS does: the event that would take the last id becomes
// an ExecutionFailed instead.
func (x *run) emit(f *Frame, ev history.Event) int64 {
	return x.emitPrev(f, ev, -1)
}

func (x *run) emitPrev(f *Frame, ev history.Event, prev int64) int64 {
	if f != nil && f.Distributed {
		// A Distributed Map's iterations are child executions with histories of their own
		// (recorded even as the parent ends, which aborts them).
		return x.emitChild(f, ev, prev)
	}
	if x.ex.Done() {
		return 0
	}
	if prev < 0 {
		prev = 0
		if f != nil {
			prev = f.Last
		}
	}
	id := x.ex.LastEventID + 1
	if !x.in.cfg.Express && id >= x.in.cfg.MaxHistoryEvents && !isExecutionEnd(ev.Type) {
		x.endExecution(Failed, history.Event{Type: "ExecutionFailed", Details: x.quotaFailure()}, x.ex.LastEventID)
		return 0
	}
	ev.ID = id
	ev.PreviousEventID = prev
	ev.Timestamp = history.Time{Time: x.now}
	x.ex.LastEventID = id
	x.step.Events = append(x.step.Events, ev)
	if f != nil {
		f.Last = id
	}
	return id
}

// quotaFailure is the failure of an execution that reached the history quota.
func (x *run) quotaFailure() *history.Failure {
	return &history.Failure{Error: history.Str("States.Runtime"),
		Cause: history.Str(fmt.Sprintf("The execution reached the maximum number of history events (%d).", x.in.cfg.MaxHistoryEvents))}
}

func isExecutionEnd(t string) bool {
	switch t {
	case "ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "ExecutionTimedOut":
		return true
	}
	return false
}

// endExecution records the terminal event and closes the execution, cancelling whatever
// it still waits for.
func (x *run) endExecution(status Status, ev history.Event, prev int64) {
	if x.ex.Done() {
		return
	}
	x.emitPrev(nil, ev, prev)
	x.ex.Status = status
	x.ex.StopTime = x.now
	switch d := ev.Details.(type) {
	case *history.Output:
		x.ex.Output = d.Output
	case *history.Failure:
		x.ex.Error, x.ex.Cause = d.Error, d.Cause
	}
	if x.ex.Root != nil {
		x.ex.Root.walk(func(g *Frame) bool {
			x.mapRunAborted(g)
			return true
		})
		x.ex.Root.cancelAll(x)
	}
	if x.ex.TimeoutTimer != 0 && status != TimedOut {
		x.command(Command{Kind: CancelTimer, TimerID: x.ex.TimeoutTimer})
	}
	if x.ex.YieldTimer != 0 {
		x.command(Command{Kind: CancelTimer, TimerID: x.ex.YieldTimer})
		x.ex.YieldTimer = 0
	}
}

func (x *run) succeedExecution(f *Frame, output any, text string) {
	if text == "" {
		text = value.Encode(output)
	}
	if x.tooBig(text) {
		// AWS checks the execution output like any state output.
		x.failExecution(f, failure{Error: "States.DataLimitExceeded", Cause: "The state/task '" + f.State + "' returned a result with a size exceeding the maximum number of bytes service limit."})
		return
	}
	x.endExecution(Succeeded, history.Event{Type: "ExecutionSucceeded", Details: &history.Output{Output: text}}, f.Last)
}

func (x *run) failExecution(f *Frame, fl failure) {
	prev := int64(0)
	if f != nil {
		prev = f.Last
	}
	details := &history.Failure{}
	if fl.Error != "" || fl.HasError {
		details.Error = history.Str(fl.Error)
	}
	if fl.Cause != "" || fl.HasCause {
		details.Cause = history.Str(fl.Cause)
	}
	x.endExecution(Failed, history.Event{Type: "ExecutionFailed", Details: details}, prev)
}

// abort handles StopExecution.
func (x *run) abort(ev Event) {
	details := &history.Failure{}
	if ev.HasError || ev.Error != "" {
		details.Error = history.Str(ev.Error)
	}
	if ev.HasCause || ev.Cause != "" {
		details.Cause = history.Str(ev.Cause)
	}
	x.endExecution(Aborted, history.Event{Type: "ExecutionAborted", Details: details}, 0)
}

// timeout handles the machine's TimeoutSeconds.
func (x *run) timeout() {
	x.endExecution(TimedOut, history.Event{Type: "ExecutionTimedOut", Details: &history.Failure{Error: history.Str("States.Timeout")}}, 0)
}

func (x *run) tooBig(text string) bool { return len(text) > x.in.cfg.MaxPayloadBytes }

// graph returns the graph a frame runs in.
func (x *run) graph(f *Frame) *asl.Graph { return x.in.graphs[f.Graph] }

// state returns the frame's current state.
func (x *run) state(f *Frame) *asl.State { return x.graph(f).States[f.State] }
