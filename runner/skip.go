package runner

import (
	"context"
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/stepwise-run/stepwise/engine"
)

// Time skipping on a durable node (`stepwise run --time-skipping`, the stepwisetest package).
//
// The node's clock is then the real clock plus an offset that only grows. Whenever the node
// has nothing to do (no step being committed, no task running but those that only wait for
// other executions of this node), it tells NodeOptions.OnIdle what its executions wait for;
// when OnIdle says so, the offset jumps to the earliest timer, which then fires at once. A
// Wait of a week, a retry's back-off and a state's timeout pass in an instant, in order, and
// the histories carry the virtual times, as they would have on the real clock.
//
// Whether nothing runs is counted, not guessed: every step (Start, a delivered event) and
// every task in flight holds the node busy while it works, and a task that only waits for
// another execution on this node (a .sync child, in WaitEnded) lets go while it waits; the
// child's end takes the count back for it before waking it. On the real clock
// without OnIdle none of this is counted: serve's path is unchanged.

// Idle is what a node that has nothing to run waits for.
type Idle struct {
	// Next is the earliest timer (zero when there is none) and NextArn its execution.
	Next    time.Time
	NextArn string
	// OnlyTimeouts tells that every timer is an execution's own time limit (TimeoutSeconds,
	// or a year): no Wait, retry or state timeout is to come.
	OnlyTimeouts bool
	// Callbacks counts the tasks waiting for an answer from outside: an activity worker, or
	// SendTaskSuccess with a task token.
	Callbacks int
	// Now is the node's clock.
	Now time.Time

	begun uint64 // the node's work begun when it looked (Node.begun)
}

// virtualClock is the real clock plus an offset that only grows.
type virtualClock struct {
	now    func() time.Time
	offset atomic.Int64 // nanoseconds
}

func (c *virtualClock) Now() time.Time {
	return c.now().Add(time.Duration(c.offset.Load()))
}

// advanceTo moves the clock to at, if at is ahead.
func (c *virtualClock) advanceTo(at time.Time) {
	for {
		off := c.offset.Load()
		d := at.Sub(c.now().Add(time.Duration(off)))
		if d <= 0 || c.offset.CompareAndSwap(off, off+int64(d)) {
			return
		}
	}
}

// enter and leave count the work in progress, when someone listens (OnIdle). enter also
// counts the work begun, which only grows: a step that began and ended while idle read the
// store leaves working as it was, but not begun.
func (n *Node) enter() {
	if n.opts.OnIdle != nil {
		n.begun.Add(1)
		n.working.Add(1)
	}
}

func (n *Node) leave() {
	if n.opts.OnIdle != nil && n.working.Add(-1) == 0 {
		n.poke()
	}
}

// blockKey marks a task's context on a node that skips time: WaitEnded called with it counts
// the task as blocked while it waits for another execution of the node.
type blockKey struct{}

// maxIdleTimers bounds the timers idle reads: past it, OnlyTimeouts is false.
const maxIdleTimers = 1000

// idle reports what the node's executions wait for, or false while something runs.
func (n *Node) idle(ctx context.Context) (Idle, bool) {
	begun := n.begun.Load()
	if n.working.Load() != 0 {
		return Idle{}, false
	}
	w := Idle{Now: n.now(), begun: begun}
	tasks, err := n.st.PendingTasks(ctx, 100000)
	if err != nil {
		return Idle{}, false
	}
	for _, t := range tasks {
		if engine.ParseResource(t.Resource).Kind == "activity" || strings.HasSuffix(t.Resource, ".waitForTaskToken") {
			w.Callbacks++
		}
	}
	timers, err := n.st.DueTimers(ctx, time.Unix(0, math.MaxInt64), maxIdleTimers)
	if err != nil {
		return Idle{}, false
	}
	if len(timers) > 0 {
		w.Next, w.NextArn = timers[0].Due, timers[0].ExecutionArn
	}
	w.OnlyTimeouts = len(timers) < maxIdleTimers
	limits := map[string]int64{} // each execution's timeout timer
	for _, t := range timers {
		id, ok := limits[t.ExecutionArn]
		if !ok {
			if row, err := n.st.GetExecution(ctx, t.ExecutionArn); err == nil && row.State != "" {
				id = n.timeoutTimer(row)
			}
			limits[t.ExecutionArn] = id
		}
		if t.ID != id {
			w.OnlyTimeouts = false
			break
		}
	}
	if n.working.Load() != 0 || n.begun.Load() != begun {
		// Something started meanwhile, even if it has ended since: what was read may mix
		// the store before it and after it (no task yet, but the timer its start set), which
		// would let the clock jump past a task waiting for its callback.
		return Idle{}, false
	}
	return w, true
}

// onIdle asks OnIdle what to do while nothing runs, and jumps the virtual clock to the
// earliest timer when it says so. It reports whether the clock moved.
func (n *Node) onIdle(ctx context.Context) bool {
	if n.opts.OnIdle == nil {
		return false
	}
	w, ok := n.idle(ctx)
	if !ok || !n.opts.OnIdle(w) || n.clock == nil || w.Next.IsZero() || !w.Next.After(w.Now) {
		return false
	}
	if n.working.Load() != 0 || n.begun.Load() != w.begun {
		return false // work began while OnIdle decided: its timers may come before w.Next
	}
	n.clock.advanceTo(w.Next)
	return true
}
