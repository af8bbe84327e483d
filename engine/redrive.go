package engine

import (
	"errors"
	"slices"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/history"
)

// Redrive windows AWS enforces: an execution can be redriven within 14 days of its stop, and
// not once it has been open for a year since it started.
const redrivablePeriod = 14 * 24 * time.Hour

// ErrNotRedrivable is wrapped by the error Redrive returns when AWS would refuse the redrive
// with ExecutionNotRedrivable; its text is AWS's redriveStatusReason.
var ErrNotRedrivable = errors.New("execution not redrivable")

// NotRedrivableError says why an execution cannot be redriven, in AWS's words.
type NotRedrivableError struct{ Reason string }

func (e *NotRedrivableError) Error() string { return e.Reason }
func (e *NotRedrivableError) Unwrap() error { return ErrNotRedrivable }

// RedriveFacts are what decides whether an execution can be redriven; a store row holds
// them all, so an API can tell without loading the execution's state.
type RedriveFacts struct {
	Status      Status
	StartTime   time.Time
	StopTime    time.Time
	LastEventID int64
	// Kept reports that the execution's state was kept when it ended (executions that ended
	// before Stepwise kept it cannot be redriven).
	Kept    bool
	Express bool
	// MaxHistoryEvents is the history quota (0: AWS's 25,000).
	MaxHistoryEvents int64
}

// RedriveReason returns why an execution with these facts cannot be redriven at now, in the
// words of DescribeExecution's redriveStatusReason, or "" when it can.
func (r RedriveFacts) RedriveReason(now time.Time) string {
	max := r.MaxHistoryEvents
	if max == 0 {
		max = defaultMaxHistoryEvents
	}
	switch {
	case r.Status == Running || r.Status == Succeeded:
		return "Execution is " + string(r.Status) + " and cannot be redriven"
	case r.Express:
		return "Execution is an Express execution and cannot be redriven"
	case !r.Kept:
		return "Execution was started before the launch of RedriveExecution"
	case !now.Before(r.StartTime.Add(maxStandardDuration)):
		return "Execution has exceeded the max execution time"
	case now.After(r.StopTime.Add(redrivablePeriod)):
		return "Execution redrivable period exceeded"
	case r.LastEventID >= max-1:
		// The redrive needs room for ExecutionRedriven and at least one more event.
		return "Execution history event limit exceeded"
	}
	return ""
}

// RedriveReason returns why ex cannot be redriven at now, or "" when it can.
func (in *Interpreter) RedriveReason(ex *Execution, now time.Time) string {
	return RedriveFacts{
		Status: ex.Status, StartTime: ex.StartTime, StopTime: ex.StopTime, LastEventID: ex.LastEventID,
		Kept: ex.Root != nil, Express: in.cfg.Express, MaxHistoryEvents: in.cfg.MaxHistoryEvents,
	}.RedriveReason(now)
}

// Redrive restarts a FAILED, TIMED_OUT or ABORTED execution from where it stopped, as
// RedriveExecution does: it appends ExecutionRedriven to the same history, restarts the
// machine's timeout, and enters again every state that did not succeed, with the input it
// had. Inside a Parallel or an inline Map only the branches and iterations that did not
// succeed run again; the others keep their results. Retry counters start from zero.
func (in *Interpreter) Redrive(ex *Execution, now time.Time) (Step, error) {
	if reason := in.RedriveReason(ex, now); reason != "" {
		return Step{}, &NotRedrivableError{Reason: reason}
	}
	x := &run{in: in, ex: ex, now: now}
	prev := ex.LastEventID
	ex.Status = Running
	ex.StopTime = time.Time{}
	ex.Output, ex.Error, ex.Cause = "", nil, nil
	ex.RedriveCount++
	ex.RedriveTime = now
	id := x.emitPrev(nil, history.Event{Type: "ExecutionRedriven", Details: &history.ExecutionRedriven{RedriveCount: ex.RedriveCount}}, prev)
	// The machine's TimeoutSeconds counts again from the redrive; the year an execution may
	// stay open still counts from its start.
	limit := ex.StartTime.Add(maxStandardDuration)
	if in.sm.TimeoutSeconds != nil {
		limit = minTime(limit, now.Add(time.Duration(*in.sm.TimeoutSeconds)*time.Second))
	}
	ex.NextTimerID++
	ex.TimeoutTimer = ex.NextTimerID
	x.command(Command{Kind: StartTimer, TimerID: ex.TimeoutTimer, At: limit})
	ex.Root.walk(func(*Frame) bool { return true }) // restore parent links
	ex.Root.rearm(id)
	x.drive()
	x.finishRuns()
	return x.step, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// rearm makes a frame that did not succeed enter its current state again after event prev.
// A Parallel or Map state keeps its branches or iterations (Redriven), so that only those
// that did not succeed run again.
func (f *Frame) rearm(prev int64) {
	f.Phase = phaseEnter
	f.Outcome = outcomeNone
	f.Err, f.Output = nil, nil
	f.Task, f.TimerID = nil, 0
	f.Last = prev
	f.Redriven = len(f.Children) > 0 || f.Map != nil
}

// redriveBranches rearms a redriven Parallel's branches that did not succeed, after the
// ParallelStateStarted event; it reports false when there is nothing kept to redrive.
func (x *run) redriveBranches(f *Frame, st *asl.State) bool {
	if !f.Redriven || len(f.Children) != len(st.Branches) {
		return false
	}
	f.Redriven = false
	x.emit(f, history.Event{Type: "ParallelStateStarted"})
	for _, c := range f.Children {
		c.parent = f
		if c.Phase != phaseDone || c.Outcome != outcomeSucceeded {
			c.rearm(f.Last)
		}
	}
	f.Phase = phaseChildren
	return true
}

// redriveIterations restarts a redriven Map with the items it had: iterations that
// succeeded keep their results, the others (failed, aborted, running when the execution
// stopped) run again before the ones not started yet. It reports false when there is
// nothing kept to redrive.
func (x *run) redriveIterations(f *Frame, st *asl.State) bool {
	m := f.Map
	if !f.Redriven || m == nil {
		return false
	}
	f.Redriven = false
	m.Redo = append(m.Redo[:0], m.Kept...)
	m.Kept = nil
	for _, c := range f.Children {
		if c.Phase != phaseDone || c.Outcome != outcomeSucceeded {
			m.Redo = append(m.Redo, c)
		}
	}
	f.Children = nil
	slices.SortFunc(m.Redo, func(a, b *Frame) int { return a.Index - b.Index })
	m.Active, m.Failed, m.TimedOut, m.Aborted = 0, 0, 0, 0
	m.ItemsFailed, m.ItemsTimedOut, m.ItemsAborted = 0, 0, 0
	x.emit(f, history.Event{Type: "MapStateStarted", Details: &history.MapStateStarted{Length: m.itemTotal()}})
	if m.Distributed {
		x.emit(f, history.Event{Type: "MapRunRedriven", Details: &history.MapRunRedriven{MapRunArn: m.RunArn, RedriveCount: x.ex.RedriveCount}})
		x.mapRunChanged(m, MapRunRunning)
	}
	m.StartedPrev = f.Last
	f.Phase = phaseChildren
	return true
}

// keepForRedrive drops what a Parallel or Map state that just failed kept for a redrive,
// unless the failure ended the frame (and so may end the execution): a retry starts the
// state afresh and a catcher moves on.
func (x *run) keepForRedrive(f *Frame) {
	if x.ex.Done() || (f.Phase == phaseDone && f.Outcome == outcomeFailed) {
		return
	}
	f.Children = nil
	f.Map = nil
}
