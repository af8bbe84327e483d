// Package runner drives executions: it carries out the engine's commands (run a task, set a
// timer) and feeds the outcomes back as events.
//
// Local runs one execution in memory, in the calling goroutine, on a real or a virtual
// clock. It is what `stepwise run` and the tests use; the durable runner behind
// `stepwise serve` adds stores, leases and many executions at once.
package runner

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/history"
)

// TaskError is a task failure with AWS's error name and cause.
type TaskError struct {
	Name  string
	Cause string
}

func (e *TaskError) Error() string { return e.Name + ": " + e.Cause }

// TaskHandler runs a task and returns its result as JSON text. A *TaskError names the failure;
// any other error fails the task with States.TaskFailed.
type TaskHandler interface {
	RunTask(ctx context.Context, t *engine.Task) (string, error)
}

// TaskChecker is a TaskHandler that can tell, before a task is scheduled, that its
// integration cannot use its parameters; the engine then fails the state as AWS does, with
// no TaskScheduled (engine.Config.CheckTask).
type TaskChecker interface {
	CheckTask(t *engine.Task) error
}

// TaskFunc adapts a function to TaskHandler.
type TaskFunc func(ctx context.Context, t *engine.Task) (string, error)

func (f TaskFunc) RunTask(ctx context.Context, t *engine.Task) (string, error) { return f(ctx, t) }

// LocalOptions configure Local.
type LocalOptions struct {
	// TimeSkipping runs timers on a virtual clock: a Wait of a week passes at once, and the
	// history's timestamps follow the virtual clock.
	TimeSkipping bool
	// Tasks runs Task states. Without it every task fails.
	Tasks TaskHandler
	// TaskContext, if set, gives the context a task runs in (an Express execution's tasks
	// carry its trace context: tracing.Exporter.TaskContext).
	TaskContext func(ctx context.Context, t *engine.Task) context.Context
	// OnWait, if set, hears when a run on the real clock is about to wait for a timer, and
	// until when (`stepwise run` says so on stderr).
	OnWait func(at time.Time)
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// NoHistory drops the history events as they come, for a caller that wants only the
	// outcome (an Express execution): a long run then holds no history in memory. A loop of
	// 1,000,000 iterations kept 4,000,000 events, 1.6 GB, until it ended (issue #15).
	NoHistory bool
	// OnEvents, if set, hears the history events of each step as it comes (an Express
	// execution's logs).
	OnEvents func([]history.Event)
}

// ErrStuck is returned when an execution waits for something no one will send (a task token
// callback, an activity worker) and has no timer left to wake it.
var ErrStuck = errors.New("the execution waits for an outside event that cannot come in a local run")

// Local runs one execution to its end and returns it with its whole history.
func Local(ctx context.Context, in *engine.Interpreter, start engine.Start, opts LocalOptions) (*engine.Execution, []history.Event, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	clock := start.Time
	if clock.IsZero() {
		clock = now()
		start.Time = clock
	}
	ex, step := in.Start(start)
	events, err := runLocal(ctx, in, ex, step, clock, opts)
	return ex, events, err
}

// LocalRedrive redrives an execution that Local ran and that did not succeed, at the given
// time (now when zero), and runs it to its end again. It returns the events the redrive added
// to the history; an error wrapping engine.ErrNotRedrivable when AWS would refuse it.
func LocalRedrive(ctx context.Context, in *engine.Interpreter, ex *engine.Execution, at time.Time, opts LocalOptions) ([]history.Event, error) {
	if at.IsZero() {
		at = time.Now()
		if opts.Now != nil {
			at = opts.Now()
		}
	}
	step, err := in.Redrive(ex, at)
	if err != nil {
		return nil, err
	}
	return runLocal(ctx, in, ex, step, at, opts)
}

// runLocal carries out step's commands and feeds the execution its tasks' outcomes and its
// timers until it ends; it returns step's events and all that followed.
func runLocal(ctx context.Context, in *engine.Interpreter, ex *engine.Execution, step engine.Step, clock time.Time, opts LocalOptions) ([]history.Event, error) {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	events := step.Events
	if opts.OnEvents != nil {
		opts.OnEvents(step.Events)
	}
	if opts.NoHistory {
		events = nil
	}
	timers := map[int64]time.Time{}
	var tasks []*engine.Task
	apply := func(s engine.Step) {
		if opts.OnEvents != nil && len(s.Events) > 0 {
			opts.OnEvents(s.Events)
		}
		if !opts.NoHistory {
			events = append(events, s.Events...)
		}
		for _, c := range s.Commands {
			switch c.Kind {
			case engine.ScheduleTask:
				tasks = append(tasks, c.Task)
			case engine.StartTimer:
				timers[c.TimerID] = c.At
			case engine.CancelTimer:
				delete(timers, c.TimerID)
			case engine.CancelTask:
				for i, t := range tasks {
					if t.ID == c.TaskID {
						tasks = append(tasks[:i], tasks[i+1:]...)
						break
					}
				}
			}
		}
	}
	apply(engine.Step{Commands: step.Commands})
	for !ex.Done() {
		if err := ctx.Err(); err != nil {
			apply(in.Apply(ex, engine.Event{Kind: engine.Stop, Time: clockNow(opts, now, clock), Error: "States.Aborted", Cause: err.Error()}))
			break
		}
		if len(tasks) > 0 {
			t := tasks[0]
			tasks = tasks[1:]
			clock = clockNow(opts, now, clock)
			apply(in.Apply(ex, engine.Event{Kind: engine.TaskStarted, TaskID: t.ID, Time: clock}))
			tctx := ctx
			if opts.TaskContext != nil {
				tctx = opts.TaskContext(ctx, t)
			}
			out, err := runTask(tctx, opts.Tasks, t)
			clock = clockNow(opts, now, clock)
			if err != nil {
				var te *TaskError
				if !errors.As(err, &te) {
					te = &TaskError{Name: "States.TaskFailed", Cause: err.Error()}
				}
				apply(in.Apply(ex, engine.Event{Kind: engine.TaskFailed, TaskID: t.ID, Time: clock, Error: te.Name, Cause: te.Cause, HasError: true, HasCause: true}))
			} else {
				apply(in.Apply(ex, engine.Event{Kind: engine.TaskSucceeded, TaskID: t.ID, Time: clock, Output: out}))
			}
			continue
		}
		if len(timers) == 0 || (!opts.TimeSkipping && len(timers) == 1 && timers[ex.TimeoutTimer] != (time.Time{}) && ex.TimeoutTimer != 0) {
			// Nothing but the execution's own time limit can wake it.
			return events, ErrStuck
		}
		id, at := earliest(timers)
		delete(timers, id)
		if opts.TimeSkipping {
			if at.After(clock) {
				clock = at
			}
		} else {
			if d := time.Until(at); d > 0 {
				if opts.OnWait != nil {
					opts.OnWait(at)
				}
				select {
				case <-time.After(d):
				case <-ctx.Done():
					continue
				}
			}
			clock = now()
		}
		apply(in.Apply(ex, engine.Event{Kind: engine.TimerFired, TimerID: id, Time: clock}))
	}
	return events, nil
}

func clockNow(opts LocalOptions, now func() time.Time, virtual time.Time) time.Time {
	if opts.TimeSkipping {
		return virtual
	}
	return now()
}

func earliest(timers map[int64]time.Time) (int64, time.Time) {
	ids := make([]int64, 0, len(timers))
	for id := range timers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := timers[ids[i]], timers[ids[j]]
		if a.Equal(b) {
			return ids[i] < ids[j]
		}
		return a.Before(b)
	})
	return ids[0], timers[ids[0]]
}

func runTask(ctx context.Context, h TaskHandler, t *engine.Task) (string, error) {
	if h == nil {
		return "", &TaskError{Name: "States.TaskFailed", Cause: "no integration is configured for resource " + t.Resource}
	}
	return h.RunTask(ctx, t)
}
