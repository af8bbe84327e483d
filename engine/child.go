package engine

import (
	"crypto/sha256"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// ChildRun marks the frame of a Distributed Map iteration: it runs as a child execution with
// a history of its own. Only this much of a child lives in the parent's state; its events
// leave with each step (a ChildExecution command), so a run of 10,000 items costs the
// parent's state a few hundred bytes per running iteration.
type ChildRun struct {
	StartedAt   time.Time `json:"startedAt"`
	LastEventID int64     `json:"lastEventId"`

	// A child has the limits of its type, as on AWS: an Express child times out after five
	// minutes (TimeoutTimer, then TimedOut), and keeps no events past the history quota but
	// its end; a Standard child fails on reaching the quota, its own, apart from the
	// parent's (Exhausted: its ExecutionFailed is recorded). Children stored before these
	// were kept are Standard.
	Express      bool  `json:"express,omitempty"`
	TimeoutTimer int64 `json:"timeoutTimer,omitempty"`
	TimedOut     bool  `json:"timedOut,omitempty"`
	Exhausted    bool  `json:"exhausted,omitempty"`

	// runArn and arn are derived from the Map's run and the iteration's index (see childArn)
	// when first needed, rather than stored: at 10,000 running iterations the two ARNs would
	// more than double the parent's state.
	runArn, arn, name string
}

// childIDs returns the child's map run ARN, execution ARN and name. The frame's parent is the
// Map state's frame, whose run is still set while the child runs or ends.
func (c *Frame) childIDs() (runArn, arn, name string) {
	ch := c.Child
	if ch.arn == "" {
		ch.runArn = c.parent.Map.RunArn
		ch.arn, ch.name = childArn(ch.runArn, c.Index)
	}
	return ch.runArn, ch.arn, ch.name
}

// ChildExecution is what one step did to a Distributed Map iteration's child execution: its
// new history events and its status. The step that starts it carries its Input; the step
// that ends it its outcome and StopDate.
type ChildExecution struct {
	ExecutionArn    string
	Name            string
	StateMachineArn string
	MapRunArn       string
	StartDate       time.Time
	Input           *string
	Status          Status
	StopDate        time.Time
	Output          *string
	Error, Cause    *string
	LastEventID     int64
	Events          []history.Event
	// RedriveCount and RedriveDate are set by the step that redrives the child.
	RedriveCount int
	RedriveDate  time.Time
}

// childArn names iteration index of a map run: arn:...:execution:MACHINE/LABEL:NAME for
// arn:...:mapRun:MACHINE/LABEL:UUID. The name is a UUID derived from the run and the index
// rather than drawn from the execution's random sequence, which the parent's own choices
// (its States.UUID() calls, retry jitter) use.
func childArn(mapRunArn string, index int) (arn, name string) {
	sum := sha256.Sum256([]byte(mapRunArn + "#" + strconv.Itoa(index)))
	sum[6] = sum[6]&0x0f | 0x40 // version 4
	sum[8] = sum[8]&0x3f | 0x80 // RFC 4122 variant
	name = fmt.Sprintf("%x-%x-%x-%x-%x", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16])
	prefix := mapRunArn
	if i := strings.LastIndexByte(prefix, ':'); i >= 0 {
		prefix = prefix[:i]
	}
	return strings.Replace(prefix, ":mapRun:", ":execution:", 1) + ":" + name, name
}

// startChild makes iteration c of run m a child execution and records its ExecutionStarted.
func (x *run) startChild(c *Frame, m *MapRun, express bool) {
	c.Child = &ChildRun{StartedAt: x.now, Express: express}
	input := value.Encode(c.Input)
	x.childStep(c).Input = &input
	x.emitPrev(c, history.Event{Type: "ExecutionStarted", Details: &history.ExecutionStarted{
		Input: input, RoleArn: x.ex.RoleArn,
	}}, 0)
	x.limitChild(c)
}

// limitChild starts an Express child's five minutes.
func (x *run) limitChild(c *Frame) {
	if c.Child.Express {
		c.Child.TimeoutTimer = x.newTimer(x.now.Add(maxExpressDuration))
	}
}

// childStep returns this step's record of child frame c, creating it on first use.
func (x *run) childStep(c *Frame) *ChildExecution {
	runArn, arn, name := c.childIDs()
	if i, ok := x.childCmds[arn]; ok {
		return x.step.Commands[i].Child
	}
	if x.childCmds == nil {
		x.childCmds = map[string]int{}
	}
	ce := &ChildExecution{
		ExecutionArn: arn, Name: name, StateMachineArn: MapRunStateMachineArn(runArn),
		MapRunArn: runArn, StartDate: c.Child.StartedAt, Status: Running,
	}
	x.childCmds[arn] = len(x.step.Commands)
	x.command(Command{Kind: ChildExecutionChanged, Child: ce})
	return ce
}

// emitChild appends ev to the history of the child execution frame f runs in.
func (x *run) emitChild(f *Frame, ev history.Event, prev int64) int64 {
	r := f
	for r != nil && r.Child == nil {
		r = r.parent
	}
	if r == nil {
		return 0
	}
	if prev < 0 {
		prev = f.Last
	}
	if r.Child.Exhausted {
		return 0 // it failed on reaching the quota, its states' last steps go unrecorded
	}
	if id := r.Child.LastEventID + 1; r.Child.Express && id >= x.in.cfg.MaxHistoryEvents && !isExecutionEnd(ev.Type) && ev.Type != "ExecutionRedriven" {
		// An Express child has no quota and runs on for its five minutes, but its events past
		// the quota are counted, not kept: AWS keeps none of an Express child's, and one
		// looping through Pass and Choice states wrote 80 MB a second to the store, about 24 GB
		// over its five minutes. Its end (and a redrive) is kept, with its id.
		r.Child.LastEventID = id
		f.Last = id
		return id
	} else if !r.Child.Express && id >= x.in.cfg.MaxHistoryEvents && !isExecutionEnd(ev.Type) {
		// As the quota ends an execution (emitPrev): this event becomes its ExecutionFailed.
		// What the child's states go on to ask for is dropped (command), and the child's
		// iteration fails once its frames stop (advanceIteration).
		r.Child.Exhausted = true
		x.exhausted = true
		ev, prev = history.Event{Type: "ExecutionFailed", Details: x.quotaFailure()}, r.Child.LastEventID
	}
	r.Child.LastEventID++
	ev.ID = r.Child.LastEventID
	ev.PreviousEventID = prev
	ev.Timestamp = history.Time{Time: x.now}
	f.Last = ev.ID
	ce := x.childStep(r)
	ce.Events = append(ce.Events, ev)
	ce.LastEventID = ev.ID
	return ev.ID
}

// endChild records how child frame c ended: ExecutionSucceeded with its output,
// ExecutionFailed with its error, ExecutionTimedOut, or ExecutionAborted. A child that
// reached the history quota has its ExecutionFailed already.
func (x *run) endChild(c *Frame, status Status) {
	if c.Child == nil {
		return
	}
	ce := x.childStep(c)
	if t := c.Child.TimeoutTimer; t != 0 {
		c.Child.TimeoutTimer = 0
		if status != TimedOut {
			x.command(Command{Kind: CancelTimer, TimerID: t})
		}
	}
	if c.Child.Exhausted {
		d := x.quotaFailure()
		ce.Error, ce.Cause = d.Error, d.Cause
		ce.Status = Failed
		ce.StopDate = x.now
		return
	}
	ev := history.Event{}
	prev := c.Last
	switch status {
	case Succeeded:
		out := value.Encode(c.Output)
		ce.Output = &out
		ev = history.Event{Type: "ExecutionSucceeded", Details: &history.Output{Output: out}}
	case Failed:
		d := &history.Failure{}
		if c.Err != nil {
			if c.Err.Error != "" || c.Err.HasError {
				d.Error = history.Str(c.Err.Error)
			}
			if c.Err.Cause != "" || c.Err.HasCause {
				d.Cause = history.Str(c.Err.Cause)
			}
		}
		ce.Error, ce.Cause = d.Error, d.Cause
		ev = history.Event{Type: "ExecutionFailed", Details: d}
	case TimedOut:
		// As an execution's own time-out is recorded: States.Timeout, after no one event.
		d := &history.Failure{Error: history.Str("States.Timeout")}
		ce.Error = d.Error
		ev = history.Event{Type: "ExecutionTimedOut", Details: d}
		prev = 0
	default:
		// As StopExecution records it on a parent: no error, no cause, after no one event.
		ev = history.Event{Type: "ExecutionAborted", Details: &history.Failure{}}
		prev = 0
	}
	x.emitChild(c, ev, prev)
	ce.Status = status
	ce.StopDate = x.now
}

// stopChild aborts a running child execution and everything it waits for, the runs of the
// Distributed Maps it holds included.
func (x *run) stopChild(c *Frame) {
	x.stopFrames(c)
	x.endChild(c, Aborted)
	c.Phase = phaseDone
	c.Outcome = outcomeAborted
}

// childTimedOut ends Express child c, whose five minutes have passed: what its states wait
// for is dropped, and its iteration fails with States.Timeout (iterationDone counts it timed
// out).
func (x *run) childTimedOut(c *Frame) {
	c.Child.TimedOut = true
	x.endChildFrames(c, failure{Error: "States.Timeout", HasError: true})
}

// endChildFrames stops child c's frames and ends its iteration with fl, for iterationDone.
func (x *run) endChildFrames(c *Frame, fl failure) {
	x.stopFrames(c)
	c.Phase, c.Outcome, c.Err = phaseDone, outcomeFailed, &fl
}

// stopFrames drops what child c's frames wait for, the runs of the Distributed Maps they hold
// included.
func (x *run) stopFrames(c *Frame) {
	c.walk(func(g *Frame) bool {
		if g.Phase != phaseDone {
			x.mapRunAborted(g)
			g.cancelWaits(x)
		}
		return true
	})
}

// advanceIteration advances iteration c of a Map state; a child execution that reached its
// history quota on the way stops there.
func (x *run) advanceIteration(c *Frame) {
	x.advance(c)
	if c.Child != nil && c.Child.Exhausted && c.Phase != phaseDone {
		d := x.quotaFailure()
		x.endChildFrames(c, failure{Error: *d.Error, Cause: *d.Cause, HasError: true, HasCause: true, Runtime: true})
	}
}

// inExhausted reports whether frame f runs in a child execution that reached its history
// quota.
func (x *run) inExhausted(f *Frame) bool {
	if !x.exhausted || !f.Distributed {
		return false
	}
	for ; f != nil; f = f.parent {
		if f.Child != nil {
			return f.Child.Exhausted
		}
	}
	return false
}

// childExhausted reports whether the child execution of that ARN reached its history quota
// in this call.
func (x *run) childExhausted(arn string) bool {
	if !x.exhausted || arn == "" {
		return false
	}
	return x.ex.Root.find(func(g *Frame) bool {
		if g.Child == nil || !g.Child.Exhausted || g.Phase == phaseDone {
			return false
		}
		_, a, _ := g.childIDs()
		return a == arn
	}) != nil
}

// redriveChild runs again, as a redrive of the same child execution, a Distributed Map
// iteration whose child failed or was aborted: ExecutionRedriven goes on the child's own
// history after its last event, and the child is RUNNING again. The child's redriveCount is
// its parent's (a child redriven once per parent redrive).
func (x *run) redriveChild(c *Frame) {
	ce := x.childStep(c)
	ce.Status = Running
	ce.RedriveCount, ce.RedriveDate = x.ex.RedriveCount, x.now
	c.Child.TimedOut, c.Child.Exhausted = false, false
	x.emitChild(c, history.Event{Type: "ExecutionRedriven", Details: &history.ExecutionRedriven{RedriveCount: x.ex.RedriveCount}}, c.Child.LastEventID)
	x.limitChild(c)
}
