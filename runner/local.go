// Package runner drives executions: it carries out the engine's commands (run a task, set a
// timer) and feeds the outcomes back as events.
//
// Local runs one execution in memory, on a real or a virtual clock: on the real clock its
// tasks run concurrently, as a node runs them; on the virtual one, one at a time. It runs
// Express executions, TestState, `stepwise run` of an Express machine and the tests; the
// durable runner behind `stepwise serve` adds stores, leases and many executions at once.
package runner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
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
	// history's timestamps follow the virtual clock. Tasks then run one at a time, in the
	// order they were scheduled, so that a run's history is the same each time.
	TimeSkipping bool
	// YieldTime is how long, on the virtual clock, the work between two of the interpreter's
	// yields takes (a call yields after 5,000 states entered: engine/yield.go); one second
	// when zero, the pace AWS's state transition quota allows (5,000 a second in its largest
	// regions). Without it states take no virtual time at all, and an Express execution
	// looping through Pass and Choice states would never reach its five minutes.
	YieldTime time.Duration
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
	// Logger hears a panic of the interpreter or of an integration; slog's default when nil.
	Logger *slog.Logger
	// Callbacks makes a .waitForTaskToken task on the virtual clock (TimeSkipping) wait for
	// its callback, as a node does: its handler's answer is the answer to the request that
	// carried the token (TaskSubmitted), unless the handler called Complete (a mock). Without
	// Answers no callback can come, so the run ends with ErrStuck once nothing but such a task
	// is left, rather than let its timeout pass (stepwise test: "mock the state that waits").
	// Without Callbacks the handler's answer is the task's result (TestState, whose callback
	// tasks are mocked).
	Callbacks bool
	// Answers, with Callbacks, brings the callbacks (SendTaskSuccess, SendTaskFailure,
	// SendTaskHeartbeat) of the run's .waitForTaskToken tasks, by token. On the virtual clock,
	// once nothing is left to run but tasks waiting for theirs, the run waits for one in real
	// time, the clock standing still, until the earliest timer is due in real time (a task's
	// limits hold in real time), which then fires as usual. A callback sent while its task's
	// request is still going is taken once the request is done, so Answers should be
	// buffered. OnAwait hears each token when its task starts (true) and when it no longer
	// waits (false), so that the sender knows where to send (stepwise test's loopback Step
	// Functions endpoint).
	Answers <-chan Answer
	OnAwait func(token string, waiting bool)
	// Workers, with Callbacks and Answers, tells the tasks that workers take, as an activity
	// worker takes its tasks with GetActivityTask: the handler hands such a task over (its
	// answer is not the task's result), and the task's start (TaskStarted, with the worker's
	// name, which starts its TimeoutSeconds and HeartbeatSeconds) and its outcome come on
	// Answers, by its token. A handler that calls Complete (a mock) answers for the task as
	// for any other.
	Workers func(t *engine.Task) bool
	// StopAt, on the virtual clock, stops the execution (ExecutionAborted, without error or
	// cause) when its clock reaches that time, a timer due then included: a .sync task's
	// child run in a test (VirtualLimit), which Step Functions stops when the parent's task
	// times out or the parent ends, as a node stops it (StopExecution). Its tasks' limits
	// are bounded by it too. The zero time: no such limit.
	StopAt time.Time
}

// Answer is a callback for the task holding Token: Event's Kind is TaskSucceeded (with
// Output), TaskFailed (Error, Cause) or TaskHeartbeat. Done hears nil once it is applied, or
// ErrNoTask.
type Answer struct {
	Token string
	Event engine.Event
	Done  chan<- error
}

// ErrNoTask answers a callback whose token no task of the run waits with.
var ErrNoTask = errors.New("no task waits for a callback with this token")

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.Default()
	}
	return l
}

// ErrStuck is returned when an execution waits for something no one will send (a task token
// callback, an activity worker) and has no timer left to wake it.
var ErrStuck = errors.New("the execution waits for an outside event that cannot come in a local run")

// ErrInternal is returned, wrapped with the panic's value, when the interpreter panics on an
// execution (a bug of Stepwise's): the execution is given up, the process goes on.
var ErrInternal = errors.New("Stepwise could not run this execution (an internal error)")

// recoverInterpreter turns a panic of the interpreter into ErrInternal, logged with its stack,
// as a node does for the executions it runs: an Express execution runs on a goroutine of the
// API, where a panic would take every other execution down with it.
func recoverInterpreter(log *slog.Logger, arn string, err *error) {
	if r := recover(); r != nil {
		logger(log).Error("interpreter panic", "execution", arn, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		*err = fmt.Errorf("%w: %v", ErrInternal, r)
	}
}

// Local runs one execution to its end and returns it with its whole history.
func Local(ctx context.Context, in *engine.Interpreter, start engine.Start, opts LocalOptions) (ex *engine.Execution, events []history.Event, err error) {
	defer recoverInterpreter(opts.Logger, start.ExecutionArn, &err)
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
	events, err = runLocal(ctx, in, ex, step, clock, opts)
	return ex, events, err
}

// LocalRedrive redrives an execution that Local ran and that did not succeed, at the given
// time (now when zero), and runs it to its end again. It returns the events the redrive added
// to the history; an error wrapping engine.ErrNotRedrivable when AWS would refuse it.
func LocalRedrive(ctx context.Context, in *engine.Interpreter, ex *engine.Execution, at time.Time, opts LocalOptions) (events []history.Event, err error) {
	defer recoverInterpreter(opts.Logger, ex.ExecutionArn, &err)
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
	l := &local{in: in, ex: ex, opts: opts, clock: clock, now: opts.Now, timers: map[int64]time.Time{}}
	if l.now == nil {
		l.now = time.Now
	}
	if opts.OnEvents != nil {
		opts.OnEvents(step.Events)
	}
	if !opts.NoHistory {
		l.events = step.Events
	}
	l.apply(engine.Step{Commands: step.Commands})
	var err error
	if opts.TimeSkipping {
		err = l.skip(ctx)
	} else {
		err = l.live(ctx)
	}
	return l.events, err
}

// local is one execution run by Local.
type local struct {
	in     *engine.Interpreter
	ex     *engine.Execution
	opts   LocalOptions
	clock  time.Time // the virtual clock, when time skips
	now    func() time.Time
	events []history.Event
	timers map[int64]time.Time
	// pending are the tasks scheduled and not yet started, in order.
	pending []*engine.Task
	// running cancels the tasks started and not yet answered (live), by id.
	running map[int64]context.CancelCauseFunc
	// awaiting are the .waitForTaskToken tasks whose request went out (Callbacks), by id:
	// their tokens.
	awaiting map[int64]string
}

// await records that a task waits for its callback (OnAwait heard it already).
func (l *local) await(t *engine.Task) {
	if l.awaiting == nil {
		l.awaiting = map[int64]string{}
	}
	l.awaiting[t.ID] = t.Token
}

// unawait records that a task no longer waits for its callback.
func (l *local) unawait(id int64) {
	token, ok := l.awaiting[id]
	if !ok {
		return
	}
	delete(l.awaiting, id)
	if l.opts.OnAwait != nil {
		l.opts.OnAwait(token, false)
	}
}

// apply records a step's events and carries out its commands.
func (l *local) apply(s engine.Step) {
	if l.opts.OnEvents != nil && len(s.Events) > 0 {
		l.opts.OnEvents(s.Events)
	}
	if !l.opts.NoHistory {
		l.events = append(l.events, s.Events...)
	}
	for _, c := range s.Commands {
		switch c.Kind {
		case engine.ScheduleTask:
			l.pending = append(l.pending, c.Task)
		case engine.StartTimer:
			at := c.At
			if l.opts.TimeSkipping && c.TimerID == l.ex.YieldTimer {
				at = at.Add(cmp.Or(l.opts.YieldTime, time.Second))
			}
			l.timers[c.TimerID] = at
		case engine.CancelTimer:
			delete(l.timers, c.TimerID)
		case engine.CancelTask:
			l.unawait(c.TaskID) // it timed out, or its state ended
			for i, t := range l.pending {
				if t.ID == c.TaskID {
					l.pending = append(l.pending[:i], l.pending[i+1:]...)
					break
				}
			}
			if cancel, ok := l.running[c.TaskID]; ok {
				// Its state timed out or was aborted: the result, should it come, is
				// dropped, and the integration hears why (a Lambda invocation stops).
				cancel(ErrTaskCancelled)
				delete(l.running, c.TaskID)
			}
		}
	}
}

// taskDone applies a task's outcome.
func (l *local) taskDone(id int64, out string, err error, at time.Time) {
	if err != nil {
		var te *TaskError
		if !errors.As(err, &te) {
			te = &TaskError{Name: "States.TaskFailed", Cause: err.Error()}
		}
		l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.TaskFailed, TaskID: id, Time: at, Error: te.Name, Cause: te.Cause, HasError: true, HasCause: true}))
		return
	}
	l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.TaskSucceeded, TaskID: id, Time: at, Output: out}))
}

func (l *local) taskContext(ctx context.Context, t *engine.Task) context.Context {
	if l.opts.TaskContext != nil {
		return l.opts.TaskContext(ctx, t)
	}
	return ctx
}

func (l *local) abort(err error, at time.Time) {
	l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.Stop, Time: at, Error: "States.Aborted", Cause: err.Error()}))
}

// skip runs the execution on the virtual clock: its tasks one at a time, in the order they
// were scheduled (a test's history is the same from run to run), each timer as soon as
// nothing else is left to do.
func (l *local) skip(ctx context.Context) error {
	for !l.ex.Done() {
		if err := ctx.Err(); err != nil {
			l.abort(err, l.clock)
			break
		}
		if len(l.pending) > 0 {
			t := l.pending[0]
			l.pending = l.pending[1:]
			if l.opts.Callbacks && l.opts.Answers != nil && l.opts.Workers != nil && l.opts.Workers(t) {
				l.handOver(ctx, t)
				continue
			}
			step := l.in.Apply(l.ex, engine.Event{Kind: engine.TaskStarted, TaskID: t.ID, Time: l.clock})
			l.apply(step)
			// The task's limits: the timers its start started (TimeoutSeconds,
			// HeartbeatSeconds), and the execution's own.
			limit, limited := l.timers[l.ex.TimeoutTimer]
			for _, c := range step.Commands {
				if c.Kind == engine.StartTimer && (!limited || c.At.Before(limit)) {
					limit, limited = c.At, true
				}
			}
			l.runSkipping(ctx, t, limit, limited)
			continue
		}
		id, at, ok := earliest(l.timers)
		if len(l.awaiting) > 0 {
			if l.opts.Answers == nil {
				// A callback that cannot come holds the execution: its timers would only
				// time out what waits for it.
				return ErrStuck
			}
			if stop := l.opts.StopAt; !stop.IsZero() && (!ok || stop.Before(at)) {
				id, at, ok = 0, stop, true // no timer has id 0: awaitAnswer stops the execution then
			}
			l.awaitAnswer(ctx, id, at, ok)
			continue
		}
		if !ok {
			return ErrStuck
		}
		if !l.fire(id, at) {
			break
		}
	}
	return nil
}

// fire fires timer id, due at, on the virtual clock, which moves on to it; it reports false,
// firing nothing, when StopAt comes first and stops the execution (stopped).
func (l *local) fire(id int64, at time.Time) bool {
	if l.stopped(at) {
		return false
	}
	delete(l.timers, id)
	if at.After(l.clock) {
		l.clock = at
	}
	l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.TimerFired, TimerID: id, Time: l.clock}))
	return true
}

// stopped stops the execution at StopAt, and reports so, when StopAt comes no later than at
// (a timer due then is not fired: the parent's task timed out first).
func (l *local) stopped(at time.Time) bool {
	stop := l.opts.StopAt
	if stop.IsZero() || at.Before(stop) || l.ex.Done() {
		return false
	}
	if stop.After(l.clock) {
		l.clock = stop
	}
	l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.Stop, Time: l.clock}))
	return true
}

// handOver runs the handler of a task that a worker takes (LocalOptions.Workers), at the
// time on the virtual clock: it hands the task over, and the task then waits, not started,
// for its worker's TaskStarted and outcome on Answers. A handler that calls Complete (a mock),
// or fails, ends the task at once, started as any other.
func (l *local) handOver(ctx context.Context, t *engine.Task) {
	if l.opts.OnAwait != nil {
		l.opts.OnAwait(t.Token, true) // before the handler offers it: a worker may take it at once
	}
	sc := &skippingContext{Context: ctx, taskClock: taskClock{now: l.clock}}
	tctx, complete := withComplete(sc)
	out, err := runTask(l.taskContext(tctx, t), l.opts.Tasks, t, l.opts.Logger)
	if err == nil && !complete.Load() {
		l.await(t)
		return
	}
	if l.opts.OnAwait != nil {
		l.opts.OnAwait(t.Token, false)
	}
	l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.TaskStarted, TaskID: t.ID, Time: l.clock}))
	if !l.ex.Done() {
		l.taskDone(t.ID, out, err, l.clock)
	}
}

// awaitAnswer waits in real time, the virtual clock standing still, for a callback of a task
// that sent its request, or for the earliest timer (id, due at) to be due, which then fires.
func (l *local) awaitAnswer(ctx context.Context, id int64, at time.Time, ok bool) {
	var due <-chan time.Time
	if ok {
		timer := time.NewTimer(max(at.Sub(l.clock), 0))
		defer timer.Stop()
		due = timer.C
	}
	select {
	case <-ctx.Done(): // the loop aborts the execution
	case <-due:
		l.fire(id, at)
	case a := <-l.opts.Answers:
		task, found := int64(0), false
		for id, token := range l.awaiting {
			if token == a.Token {
				task, found = id, true
			}
		}
		if !found {
			a.Done <- ErrNoTask
			return
		}
		ev := a.Event
		ev.TaskID, ev.Time = task, l.clock
		if ev.Kind != engine.TaskHeartbeat && ev.Kind != engine.TaskStarted { // a worker took it: it waits on
			l.unawait(task)
		}
		l.apply(l.in.Apply(l.ex, ev))
		a.Done <- nil
	}
}

// runSkipping runs a task on the virtual clock, which stands still while it runs: however
// long it takes, its answer comes at the time it started, so that a test's history is the
// same from run to run. Two things move the clock on:
//   - A task's limits hold in real time (its TimeoutSeconds and HeartbeatSeconds, whose timers
//     it started, and the execution's own time limit): a task still running when the first
//     of them would have run out times out then, at that time on the virtual clock, and
//     hears ErrTaskCancelled, as on AWS. A mock answers long before any limit.
//   - A task that ran something else on the same virtual clock (a .sync task's child
//     execution) says when that ended (VirtualEnd): its answer comes then, after the timers
//     due meanwhile have fired, or it times out at its limit if that came first.
func (l *local) runSkipping(ctx context.Context, t *engine.Task, limit time.Time, limited bool) {
	if stop := l.opts.StopAt; !stop.IsZero() && (!limited || stop.Before(limit)) {
		limit, limited = stop, true // the execution stops then (advance), and its task with it
	}
	sc := &skippingContext{Context: ctx, taskClock: taskClock{now: l.clock}}
	if limited {
		sc.limit = limit
	}
	tc, tctx := &sc.taskClock, context.Context(sc)
	// The task runs in this goroutine, the loop's, as it always did on the virtual clock: a
	// timer cancels it when its limit passes, and the clock moves on once it has returned.
	// (A goroutine for each task, as live runs them, made a Map of 1,000 mocked tasks 2.3
	// times slower: BenchmarkLocalSkipping.)
	var deadline time.Time // in real time; zero: no limit
	if limited && limit.After(l.clock) {
		var cancel context.CancelCauseFunc
		tctx, cancel = context.WithCancelCause(tctx)
		defer cancel(nil)
		wait := limit.Sub(l.clock)
		deadline = time.Now().Add(wait)
		timer := time.AfterFunc(wait, func() { cancel(ErrTaskCancelled) })
		defer timer.Stop()
	}
	if l.running == nil {
		l.running = map[int64]context.CancelCauseFunc{}
	}
	l.running[t.ID] = func(error) {} // a CancelTask command while the clock moves takes it out
	defer delete(l.running, t.ID)
	waits := l.opts.Callbacks && t.Pattern == ".waitForTaskToken"
	var complete *atomic.Bool
	submitted := false // its request went out: it waits in awaiting, which says when it stops
	if waits {
		tctx, complete = withComplete(tctx)
		if l.opts.OnAwait != nil {
			// Its callback may come while the request is still going (a function that
			// answers its own token before it returns): Answers holds it until then.
			l.opts.OnAwait(t.Token, true)
			defer func() {
				if !submitted {
					l.opts.OnAwait(t.Token, false) // the request failed, a mock answered, or it timed out
				}
			}()
		}
	}
	out, err := runTask(l.taskContext(tctx, t), l.opts.Tasks, t, l.opts.Logger)
	// It ran past its limit if it answered after the deadline (whether the timer's cancel or
	// its own work ended it), or ran something on the virtual clock past it.
	late := !deadline.IsZero() && !time.Now().Before(deadline)
	l.submitted(t, tc)
	end := tc.ended()
	if late || limited && end.After(limit) {
		end = limit // the limit's timer times it out
	}
	if end.After(l.clock) {
		l.advance(end)
		if _, wanted := l.running[t.ID]; !wanted || l.ex.Done() {
			return
		}
	}
	if waits && err == nil && !complete.Load() {
		// The request went out; the result comes with SendTaskSuccess.
		l.await(t)
		submitted = true
		l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.TaskSubmitted, TaskID: t.ID, Time: l.clock, Output: out}))
		return
	}
	l.taskDone(t.ID, out, err, l.clock)
}

// skippingContext is a task's context on the virtual clock: its taskClock (VirtualNow,
// VirtualEnd) and its Submit, in one allocation.
type skippingContext struct {
	context.Context
	taskClock
}

func (c *skippingContext) Value(key any) any {
	switch key.(type) {
	case taskClockKey:
		return &c.taskClock
	case submitKey:
		return c.taskClock.submit
	}
	return c.Context.Value(key)
}

// submitted records what a task submitted (Submit), if it did, at the time it started.
func (l *local) submitted(t *engine.Task, tc *taskClock) {
	tc.mu.Lock()
	out, ok := tc.submitted, tc.hasSubmitted
	tc.hasSubmitted = false
	tc.mu.Unlock()
	if ok {
		l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.TaskSubmitted, TaskID: t.ID, Output: out, Time: tc.now}))
	}
}

// advance moves the virtual clock to a time, firing the timers due by then in order.
func (l *local) advance(to time.Time) {
	for !l.ex.Done() {
		id, at, ok := earliest(l.timers)
		if !ok || at.After(to) {
			break
		}
		if !l.fire(id, at) {
			return
		}
	}
	if l.stopped(to) {
		return
	}
	if to.After(l.clock) {
		l.clock = to
	}
}

// taskClock is what a task run on the virtual clock knows and says of it.
type taskClock struct {
	now   time.Time // when it started
	limit time.Time // when it times out or its execution stops, if it has a limit (VirtualLimit)

	mu           sync.Mutex
	end          time.Time
	submitted    string
	hasSubmitted bool
}

func (tc *taskClock) submit(out string) {
	tc.mu.Lock()
	tc.submitted, tc.hasSubmitted = out, true
	tc.mu.Unlock()
}

func (tc *taskClock) ended() time.Time {
	tc.mu.Lock()
	defer tc.mu.Unlock()
	return tc.end
}

type taskClockKey struct{}

// VirtualNow is the time on the virtual clock at which the task of ctx started, when it runs
// on one (Local with TimeSkipping); ok is false elsewhere, where the task's time is the
// real time.
func VirtualNow(ctx context.Context) (now time.Time, ok bool) {
	if tc, ok := ctx.Value(taskClockKey{}).(*taskClock); ok {
		return tc.now, true
	}
	return time.Time{}, false
}

// VirtualLimit is the time on the virtual clock at which the task of ctx times out, or its
// execution stops (the first of its TimeoutSeconds, its HeartbeatSeconds, the execution's own
// limit and StopAt); ok is false without one, or off the virtual clock. A .sync task's child
// run on the same clock stops then (LocalOptions.StopAt), as Step Functions stops it.
func VirtualLimit(ctx context.Context) (limit time.Time, ok bool) {
	if tc, ok := ctx.Value(taskClockKey{}).(*taskClock); ok && !tc.limit.IsZero() {
		return tc.limit, true
	}
	return time.Time{}, false
}

// VirtualEnd says that the task of ctx, run on a virtual clock, ends at a later time on it
// than it started: it ran something else on the same clock, such as a .sync task's child
// execution. Its result then comes at that time. Elsewhere it does nothing.
func VirtualEnd(ctx context.Context, end time.Time) {
	if tc, ok := ctx.Value(taskClockKey{}).(*taskClock); ok {
		tc.mu.Lock()
		if end.After(tc.end) {
			tc.end = end
		}
		tc.mu.Unlock()
	}
}

// live runs the execution on the real clock, as a node does: each task in a goroutine of its
// own as soon as it is scheduled (a Parallel state's branches and a Map state's iterations
// call their integrations at the same time), and its timers (Wait states, retries, a task's
// TimeoutSeconds and HeartbeatSeconds, the execution's own limit) fire while tasks run. A
// task whose result is no longer wanted (timed out, its state aborted, the execution ended)
// has its context cancelled with ErrTaskCancelled; live returns once every task has
// returned.
func (l *local) live(ctx context.Context) error {
	if l.ex.Done() {
		return nil // ended as it started (states that need no task or timer)
	}
	l.running = map[int64]context.CancelCauseFunc{}
	type result struct {
		id  int64
		out string
		err error
	}
	results := make(chan result)
	done := make(chan struct{})
	var wg sync.WaitGroup
	defer func() {
		for _, cancel := range l.running {
			cancel(ErrTaskCancelled)
		}
		close(done)
		wg.Wait()
	}()
	var told time.Time // the timer OnWait was last told of
	for !l.ex.Done() {
		if err := ctx.Err(); err != nil {
			l.abort(err, l.now())
			break
		}
		if len(l.pending) > 0 {
			t := l.pending[0]
			l.pending = l.pending[1:]
			l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.TaskStarted, TaskID: t.ID, Time: l.now()}))
			tctx, cancel := context.WithCancelCause(ctx)
			l.running[t.ID] = cancel
			tctx = l.taskContext(tctx, t)
			wg.Add(1)
			go func() {
				defer wg.Done()
				out, err := runTask(tctx, l.opts.Tasks, t, l.opts.Logger)
				select {
				case results <- result{t.ID, out, err}:
				case <-done:
				}
			}()
			continue
		}
		id, at, ok := earliest(l.timers)
		if len(l.running) == 0 && (!ok || len(l.timers) == 1 && id == l.ex.TimeoutTimer && l.ex.TimeoutTimer != 0) {
			// Nothing but the execution's own time limit can wake it.
			return ErrStuck
		}
		var fire <-chan time.Time
		stop := func() bool { return false }
		if ok {
			d := time.Until(at)
			if d > 0 && len(l.running) == 0 && l.opts.OnWait != nil && !at.Equal(told) {
				told = at
				l.opts.OnWait(at)
			}
			timer := time.NewTimer(d)
			fire, stop = timer.C, timer.Stop
		}
		select {
		case r := <-results:
			stop()
			cancel, wanted := l.running[r.id]
			if !wanted {
				continue // cancelled after it answered
			}
			delete(l.running, r.id)
			cancel(nil)
			l.taskDone(r.id, r.out, r.err, l.now())
		case <-fire:
			delete(l.timers, id)
			l.apply(l.in.Apply(l.ex, engine.Event{Kind: engine.TimerFired, TimerID: id, Time: l.now()}))
		case <-ctx.Done():
			stop()
		}
	}
	return nil
}

// earliest is the timer due first (the lower id of two due at once); ok false when there
// is none.
func earliest(timers map[int64]time.Time) (id int64, at time.Time, ok bool) {
	for i, t := range timers {
		if !ok || t.Before(at) || t.Equal(at) && i < id {
			id, at, ok = i, t, true
		}
	}
	return id, at, ok
}

// runTask runs t with h. A bug that makes an integration panic must not take the process,
// and every other execution, down: the panic is logged to log with its stack and the task
// fails with States.TaskFailed, saying so.
func runTask(ctx context.Context, h TaskHandler, t *engine.Task, log *slog.Logger) (out string, err error) {
	if h == nil {
		return "", &TaskError{Name: "States.TaskFailed", Cause: "no integration is configured for resource " + t.Resource}
	}
	defer func() {
		if r := recover(); r != nil {
			logger(log).Error("integration panic", "execution", t.Execution, "state", t.StateName, "resource", t.Resource,
				"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			out, err = "", &TaskError{Name: "States.TaskFailed", Cause: "Stepwise could not run this task (an internal error): " + fmt.Sprint(r)}
		}
	}()
	return h.RunTask(ctx, t)
}
