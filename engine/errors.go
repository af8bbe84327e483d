package engine

import (
	"errors"
	"math"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/value"
	"github.com/stepwise-run/stepwise/history"
)

// failure is an error raised in an execution: a name and a cause. Runtime failures
// (States.Runtime) cannot be retried or caught: they end the execution.
type failure struct {
	Error    string `json:"error"`
	Cause    string `json:"cause"`
	HasError bool   `json:"hasError,omitempty"`
	HasCause bool   `json:"hasCause,omitempty"`
	Runtime  bool   `json:"runtime,omitempty"`
	// EmptyCause: the error output a catcher passes on has "Cause": "" though the failure
	// has no cause to record in its events (a task's timeout, as AWS records it caught).
	EmptyCause bool `json:"emptyCause,omitempty"`
	// Heartbeat: a task's missed heartbeat, States.Timeout in the events (as AWS records it)
	// that a States.HeartbeatTimeout retrier or catcher also handles (as AWS documents).
	Heartbeat bool `json:"heartbeat,omitempty"`
}

// output is the error output a catcher passes on: {"Error": ..., "Cause": ...}.
func (fl failure) output() *value.Object {
	var e, c any
	if fl.Error != "" || fl.HasError {
		e = fl.Error
	}
	if fl.Cause != "" || fl.HasCause || fl.EmptyCause {
		c = fl.Cause
	}
	return value.Obj("Error", e, "Cause", c)
}

// matches reports whether a Retry or Catch ErrorEquals list covers the failure.
func matches(errorEquals []string, fl failure) bool {
	name := fl.Error
	for _, e := range errorEquals {
		switch {
		case e == name:
			return true
		case e == "States.HeartbeatTimeout" && fl.Heartbeat:
			return true
		case e == "States.ALL":
			return name != "States.Runtime"
		case e == "States.TaskFailed":
			if name != "States.Timeout" && name != "States.Runtime" && name != "States.HeartbeatTimeout" {
				return true
			}
		}
	}
	return false
}

// asFailure turns an evaluation error into a failure, recording EvaluationFailed for JSONata.
func (x *run) asFailure(f *Frame, err error) failure {
	var ee *evalError
	if errors.As(err, &ee) {
		if ee.jsonata {
			// AWS records EvaluationFailed as following the event before the state was entered.
			x.emitPrev(f, history.Event{Type: "EvaluationFailed", Details: &history.EvaluationFailed{
				Error: ee.fl.Error, Cause: ee.fl.Cause, Location: ee.location, State: f.State,
			}}, f.EnteredPrev)
		}
		return ee.fl
	}
	return failure{Error: "States.Runtime", Cause: err.Error(), Runtime: true}
}

// stateError handles an evaluation error raised while running the frame's current state.
func (x *run) stateError(f *Frame, st *asl.State, err error) {
	x.stateFailed(f, st, x.asFailure(f, err))
}

// stateFailed applies the state's Retry and Catch to a failure, or fails the frame.
func (x *run) stateFailed(f *Frame, st *asl.State, fl failure) {
	if fl.Runtime && !x.distributed(f) {
		x.failExecution(f, fl)
		return
	}
	if !fl.Runtime && (st.Type == asl.TypeTask || st.Type == asl.TypeParallel || st.Type == asl.TypeMap) {
		if x.retry(f, st, fl) {
			return
		}
		for _, c := range st.Catch {
			if matches(c.ErrorEquals, fl) {
				x.caught(f, st, c, fl)
				return
			}
		}
	}
	f.TaskOpen = st.Type == asl.TypeTask && f.parent != nil
	// Out of its Task state a missed heartbeat is the States.Timeout it is recorded as.
	fl.Heartbeat = false
	x.frameFailed(f, fl)
}

// containerFailed handles the failure of a Parallel or an inline Map state, whose last
// event is prev (the failing branch's or iteration's). A retry starts the state again
// without a ...StateFailed event, its next ...StateStarted following prev; otherwise the
// ...StateFailed event is recorded and Catch applies (as AWS records both).
func (x *run) containerFailed(f *Frame, st *asl.State, fl failure, failedType string, prev int64) {
	if !fl.Runtime && x.retry(f, st, fl) {
		f.Last = prev
		return
	}
	x.emitPrev(f, history.Event{Type: failedType}, prev)
	x.stateFailed(f, st, fl)
}

// retry schedules another attempt when the first retrier that matches the error has attempts
// left. Counters are per retrier and last for the whole visit of the state.
func (x *run) retry(f *Frame, st *asl.State, fl failure) bool {
	for i, r := range st.Retry {
		if !matches(r.ErrorEquals, fl) {
			continue
		}
		if len(f.Attempts) < len(st.Retry) {
			f.Attempts = append(f.Attempts, make([]int64, len(st.Retry)-len(f.Attempts))...)
		}
		if f.Attempts[i] >= r.MaxAttempts {
			return false
		}
		delay := float64(r.IntervalSeconds) * math.Pow(r.BackoffRate, float64(f.Attempts[i]))
		if r.MaxDelaySeconds != nil && delay > float64(*r.MaxDelaySeconds) {
			delay = float64(*r.MaxDelaySeconds)
		}
		if r.JitterStrategy == "FULL" {
			delay *= x.float()
		}
		f.Attempts[i]++
		f.RetryCount++
		f.Phase = phaseRetry
		f.TimerID = x.newTimer(x.now.Add(seconds(delay)))
		return true
	}
	return false
}

// caught moves the frame to a catcher's Next state with the error output.
func (x *run) caught(f *Frame, st *asl.State, c *asl.Catcher, fl failure) {
	errOut := fl.output()
	sc := x.scope(f, st, errOut)
	var output any = errOut
	var assigned map[string]any
	if st.QueryLanguage == asl.JSONata {
		sc.errOut, sc.hasErrOut = errOut, true
		var err error
		if c.Assign != nil {
			if assigned, err = x.assignments(sc, c.Assign); err != nil {
				x.frameFailed(f, x.asFailure(f, err))
				return
			}
		}
		if c.Output != nil {
			if output, err = sc.template(c.Output, "Output"); err != nil {
				x.frameFailed(f, x.asFailure(f, err))
				return
			}
		}
	} else {
		if c.Assign != nil {
			var err error
			if assigned, err = x.assignments(sc, c.Assign); err != nil {
				x.frameFailed(f, x.asFailure(f, err))
				return
			}
		}
		if c.ResultPath != nil {
			var err error
			if output, err = x.applyResultPath(sc, c.ResultPath, f.Input, errOut); err != nil {
				x.frameFailed(f, x.asFailure(f, err))
				return
			}
		}
	}
	x.transition(f, c.Next, output, x.exitState(f, st, output, "", assigned))
}

// frameFailed ends a frame with a failure. The root frame's failure ends the execution;
// any other frame's is handled by its Parallel or Map state.
func (x *run) frameFailed(f *Frame, fl failure) {
	f.Phase = phaseDone
	f.Outcome = outcomeFailed
	f.Err = &fl
	if f.parent == nil {
		x.failExecution(f, fl)
	}
}

// distributed reports whether f runs inside a Distributed Map's child execution.
func (x *run) distributed(f *Frame) bool {
	for g := f; g != nil; g = g.parent {
		if g.Distributed {
			return true
		}
	}
	return false
}
