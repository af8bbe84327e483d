package engine

import (
	"strconv"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/history"
)

// parallel starts a Parallel state's branches, all with the same input.
func (x *run) parallel(f *Frame, st *asl.State) {
	if x.redriveBranches(f, st) {
		return
	}
	sc := x.scope(f, st, f.Input)
	input := f.Input
	var err error
	if st.QueryLanguage == asl.JSONata {
		if st.Arguments != nil {
			input, err = sc.template(st.Arguments, "Arguments")
		}
	} else if input, err = x.inputPath(sc, st, f.Input); err == nil && st.Parameters != nil {
		sc.input = input
		input, err = sc.template(st.Parameters, "Parameters")
	}
	if err != nil {
		x.stateError(f, st, err)
		return
	}
	x.emit(f, history.Event{Type: "ParallelStateStarted"})
	f.Children = f.Children[:0]
	for i, b := range st.Branches {
		f.Children = append(f.Children, &Frame{
			Graph: st.Name + "/" + strconv.Itoa(i), Index: i, State: b.StartAt, Phase: phaseEnter,
			Input: input, Last: f.Last, parent: f, Distributed: f.Distributed,
		})
	}
	f.Phase = phaseChildren
}

// advanceChildren runs a Parallel or Map state's children as far as they go and finishes the
// state when they are done. It reports whether the frame left phaseChildren.
func (x *run) advanceChildren(f *Frame) bool {
	st := x.state(f)
	if st.Type == asl.TypeMap {
		return x.advanceMap(f, st)
	}
	for _, c := range f.Children {
		// A branch may have failed outside this call (its task failed): that fails the
		// Parallel state as much as a branch failing here does.
		if c.Phase != phaseDone {
			x.advance(c)
			if x.ex.Done() {
				return true
			}
		}
		if c.Outcome == outcomeFailed {
			x.branchFailed(f, st, c)
			return true
		}
	}
	results := make([]any, len(f.Children))
	last := f.Last
	for i, c := range f.Children {
		if c.Phase != phaseDone {
			return false
		}
		results[i] = c.Output
		if c.Last > last {
			last = c.Last
		}
	}
	f.Children = nil
	x.emitPrev(f, history.Event{Type: "ParallelStateSucceeded"}, last)
	f.Last = last
	x.complete(f, st, results)
	return true
}

// branchFailed aborts the other branches and fails the Parallel state with the branch's error.
// A branch that failed in a Task state left that state open: AWS records TaskStateAborted for
// it (threaded from the task's failure, as the ParallelStateFailed that follows is) before
// the other branches' aborts.
func (x *run) branchFailed(f *Frame, st *asl.State, failed *Frame) {
	prev := failed.Last
	if failed.TaskOpen {
		x.emitPrev(failed, history.Event{Type: "TaskStateAborted"}, prev)
		failed.TaskOpen = false
	}
	for _, c := range f.Children {
		if c != failed && c.Phase != phaseDone {
			x.abortFrame(c, prev)
		}
	}
	x.containerFailed(f, st, *failed.Err, "ParallelStateFailed", prev)
	x.keepForRedrive(f)
}

// abortFrame stops a frame that is still running, recording "...StateAborted" for the state
// it was in. Every abort is threaded from cause, the event that failed the iteration or
// branch that stops its siblings, not from the aborted frame's own last event: AWS records
// them so (timeouts/test_timeouts' test_service_lambda_map_timeout). The events name no
// state, so readers of the history find the aborted state by the order they come in (see
// tracing's and the console's abort handling): siblings in the order they started, a
// frame's nested frames before its own state.
func (x *run) abortFrame(f *Frame, cause int64) {
	x.mapRunAborted(f)
	for _, c := range f.Children {
		if c.Phase != phaseDone {
			x.abortFrame(c, cause)
		}
	}
	switch f.Phase {
	case phaseTask, phaseWait, phaseRetry, phaseChildren:
		st := x.state(f)
		f.cancelWaits(x)
		x.emitPrev(f, history.Event{Type: stateEvent(st.Type, stateAborted)}, cause)
	}
	f.Phase = phaseDone
	f.Outcome = outcomeAborted
}
