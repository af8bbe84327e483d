package engine

import "github.com/stepwise-run/stepwise/asl/budget"

// A call into the interpreter (Start, Apply) runs states until the execution waits for
// something: a task, a timer, a child. A machine that never waits (a loop of Pass and Choice
// states, or a Map of many such iterations) would hold its driver for as long as it runs,
// and StopExecution, which the driver applies between calls, would wait as long.
//
// So a call yields: once it has entered yieldEntries states (5,000: a few milliseconds of
// light states), or spent a tenth of a step
// budget on expression evaluation (the sum of its evaluations' steps, package budget), the frames
// about to enter their next state stop there instead (phaseYield), and one timer due at
// once, Execution.YieldTimer, resumes them all when it fires. The driver commits the work so
// far, applies any event that came meanwhile (a Stop), then fires the timer. The rule counts
// work, never time, so a replay yields at the same states; the history is the same as
// without yielding, only later states' timestamps move.
const yieldEntries = 5000

// yieldShare is the part of a step budget a call may spend before it yields: a tenth, so
// that a Stop waits for at most that, plus the one evaluation under way.
const yieldShare = 10

// shouldYield reports whether the call has done its share. The first state always runs,
// so that every call makes progress.
func (x *run) shouldYield() bool {
	if x.entries == 0 {
		return false
	}
	return x.entries >= yieldEntries || x.spent >= x.in.cfg.EvalLimits.Resolved().Steps/yieldShare
}

// yield parks a frame about to enter its state until the yield timer fires.
func (x *run) yield(f *Frame) {
	f.Phase = phaseYield
	if x.ex.YieldTimer == 0 {
		x.ex.YieldTimer = x.newTimer(x.now)
	}
}

// resume lets every yielded frame enter its state.
func (x *run) resume() {
	x.ex.YieldTimer = 0
	x.ex.Root.walk(func(g *Frame) bool {
		if g.Map != nil && g.Map.Distributed {
			takeTurns(g)
		}
		if g.Phase == phaseYield {
			g.Phase = phaseEnter
		}
		return true
	})
}

// takeTurns moves the child execution that used up the last call's share to the end of its
// Distributed Map's children, so that the others run first in this one. Children run in
// order, each as far as it goes, and a call's share is counted for the call, not for each
// child: a child that loops through Pass and Choice states would otherwise have every call
// to itself while its siblings, which run at the same time on AWS, never entered a state
// until their five minutes were up. It is the first child with a frame that yielded (those
// after it yielded without having run). Parallel branches and inline Map iterations keep
// their order: the parent's history records them, and its quota bounds them.
func takeTurns(f *Frame) {
	for i, c := range f.Children {
		if c.Phase != phaseDone && c.find(func(g *Frame) bool { return g.Phase == phaseYield }) != nil {
			if i < len(f.Children)-1 {
				f.Children = append(append(f.Children[:i:i], f.Children[i+1:]...), c)
			}
			return
		}
	}
}

// charge adds the steps of a finished JSONPath or intrinsic evaluation to the call's.
func (x *run) charge(m *budget.Meter) {
	steps, _ := m.Used()
	x.spent += steps
}
