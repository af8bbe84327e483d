package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stepwise-run/stepwise/asl"
	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/engine"
	"github.com/stepwise-run/stepwise/execlog"
	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/internal/ids"
	"github.com/stepwise-run/stepwise/store"
)

// Stats are a node's counters since it started, for /metrics.
type Stats struct {
	ExecutionsStarted atomic.Int64
	Succeeded         atomic.Int64
	Failed            atomic.Int64
	TimedOut          atomic.Int64
	Aborted           atomic.Int64
	// Transitions counts states entered.
	Transitions atomic.Int64
	Tasks       atomic.Int64
	TaskNanos   atomic.Int64
	Commits     atomic.Int64
	CommitNanos atomic.Int64
	// StatesDecoded counts the execution states read back from the store (a takeover, a
	// parked execution woken after another node's commit, or one no longer kept warm).
	StatesDecoded atomic.Int64
}

// NodeOptions configure a Node.
type NodeOptions struct {
	Store   store.Store
	Region  string
	Account string
	// MaxHistoryEvents is the history quota (0: AWS's 25,000).
	MaxHistoryEvents int64
	// EvalLimits bound every expression evaluation (engine.Config.EvalLimits).
	EvalLimits budget.Limits
	// Tasks runs the tasks that are not answered by a callback (.waitForTaskToken, activities).
	Tasks TaskHandler
	// Owner names this node in leases; a new UUID when empty.
	Owner string
	// LeaseTTL is how long a node's claim on an execution lasts without renewal: the time
	// another node waits before taking over the executions of a node that died. Default 5s.
	LeaseTTL time.Duration
	// Poll bounds how long the node sleeps between looks at the store when nothing wakes it
	// (timers of other nodes, orphaned executions). Default 1s.
	Poll time.Duration
	// ActivityPoll is how long GetActivityTask waits for a task (AWS: 60s, the default).
	ActivityPoll time.Duration
	Logger       *slog.Logger
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// ExecutionLogs, if set, hears the history events of every committed step and logs those
	// their state machine's loggingConfiguration asks for (nil: no execution logs, no cost).
	ExecutionLogs *execlog.Writer
	// TimeSkipping runs the node on a virtual clock: Now plus an offset that OnIdle may jump
	// to the earliest timer whenever nothing runs (skip.go).
	TimeSkipping bool
	// OnIdle, if set, hears what the node's executions wait for whenever it has nothing to
	// run; with TimeSkipping, returning true jumps the clock to Idle.Next.
	OnIdle func(Idle) bool
	// Tracer, if set, hears the committed events of the executions whose state machine has
	// tracingConfiguration enabled, and gives their tasks the trace context to pass on.
	Tracer Tracer
	// StatusEvents writes an execution status change event (package events) to the store's
	// outbox in the commit of every status change, for a Deliverer to send.
	StatusEvents bool
	// OnStatusEvents, if set, hears that a commit with status change events is durable (to
	// wake the Deliverer at once).
	OnStatusEvents func()
}

// Tracer turns committed history into trace spans (tracing.Exporter).
type Tracer interface {
	// Observe hears the events of a commit, once it is durable.
	Observe(ctx context.Context, row *store.Execution, events []history.Event)
	// TaskContext returns ctx carrying the trace context of a task of execution arn, for
	// what the task calls (ctx when the execution has none).
	TaskContext(ctx context.Context, arn string, t *engine.Task) context.Context
}

// Node runs Standard executions durably on a store. Every step of an execution is committed
// before its effects leave the node: a task is dispatched, or an execution reported ended,
// only once the commit that scheduled it is durable. Several nodes may share one store;
// leases make each execution run on one node at a time.
type Node struct {
	opts  NodeOptions
	st    store.Store
	log   *slog.Logger
	owner string

	mu   sync.Mutex
	live map[string]*live // executions this node holds, by ARN
	// warm keeps the decoded state of the executions this node parked most recently, by ARN:
	// acquiring one again (its timer fires, a callback comes) skips decoding its state when
	// no node has committed a step of it since (warm.go).
	warm      map[string]warmState
	warmBytes int // the kept states' stored size
	procs     map[string]*engine.Interpreter
	ended     map[string]chan struct{} // executions someone waits on (WaitEnded)
	// handoff counts, per execution, the tasks blocked in WaitEnded on it that let go of the
	// node's work count (time skipping, skip.go): its end takes the count back for them.
	handoff map[string]int
	// inflight are the tasks this node is running, by "<execution ARN>#<task id>", so that a
	// task is never dispatched twice by one node.
	inflight map[string]bool
	// unsubmitted are the callback (.waitForTaskToken) tasks whose request is still going
	// out, by the same key: a SendTaskSuccess that overtakes its task's TaskSubmitted (the
	// worker read the message before the node recorded it as sent) waits for it, so the
	// history keeps AWS's order, TaskSubmitted before TaskSucceeded.
	unsubmitted map[string]chan struct{}
	// cancels stop the tasks in flight, by the same key, when the execution no longer wants
	// their result (ErrTaskCancelled).
	cancels map[string]context.CancelCauseFunc
	busy    map[string]int // tasks in flight per execution

	// Stats counts what the node did.
	Stats Stats
	// tracing caches whether a revision or version is traced (trace.go).
	tracing sync.Map

	wake chan struct{}
	// activities wakes the GetActivityTask pollers of this node (activity.go).
	activities activityWaiters
	wg         sync.WaitGroup
	// tasks are the task goroutines in flight, so Close can wait for them.
	running sync.WaitGroup
	ctx     context.Context
	cancel  context.CancelFunc

	// clock is the virtual clock of TimeSkipping (nil: the real one), working counts the
	// steps and tasks in progress while OnIdle listens, and begun counts the ones that began
	// (skip.go).
	clock   *virtualClock
	working atomic.Int64
	begun   atomic.Uint64
}

// live is an execution held by this node, with its state in memory.
type live struct {
	mu      sync.Mutex
	ex      *engine.Execution
	in      *engine.Interpreter
	row     store.Execution
	stopped bool // evicted: reload before use
}

// NewNode returns a node; Run starts its background work.
func NewNode(opts NodeOptions) *Node {
	if opts.Owner == "" {
		opts.Owner = ids.UUID()
	}
	if opts.LeaseTTL == 0 {
		opts.LeaseTTL = 5 * time.Second
	}
	if opts.Poll == 0 {
		opts.Poll = time.Second
	}
	if opts.ActivityPoll == 0 {
		opts.ActivityPoll = 60 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	var clock *virtualClock
	if opts.TimeSkipping {
		clock = &virtualClock{now: opts.Now}
		opts.Now = clock.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Node{
		opts: opts, st: opts.Store, log: opts.Logger, owner: opts.Owner,
		live: map[string]*live{}, warm: map[string]warmState{}, procs: map[string]*engine.Interpreter{}, ended: map[string]chan struct{}{}, handoff: map[string]int{},
		inflight: map[string]bool{}, unsubmitted: map[string]chan struct{}{}, busy: map[string]int{}, cancels: map[string]context.CancelCauseFunc{},
		wake: make(chan struct{}, 1), ctx: ctx, cancel: cancel, clock: clock,
	}
}

// Now is the node's clock: the real one, or the virtual one of TimeSkipping.
func (n *Node) Now() time.Time { return n.now() }

// Owner is the node's name in leases.
func (n *Node) Owner() string { return n.owner }

func (n *Node) now() time.Time { return n.opts.Now().UTC() }

// Run does the node's background work until ctx ends: it fires due timers, renews its
// leases, and takes over executions whose node stopped renewing them. On return it has
// released its leases. It returns early, with an error wrapping store.ErrSchemaNewer, when a
// newer Stepwise migrates the store while it runs.
func (n *Node) Run(ctx context.Context) error {
	n.recover(ctx)
	ticker := time.NewTicker(n.opts.LeaseTTL / 3)
	defer ticker.Stop()
	for {
		wait := n.fireTimers(ctx)
		if n.onIdle(ctx) {
			continue // the clock jumped to the next timer: fire it
		}
		select {
		case <-ctx.Done():
			return n.stop()
		case <-n.wake:
		case <-time.After(wait):
		case <-ticker.C:
			err := n.st.RenewLeases(ctx, n.owner, n.now().Add(n.opts.LeaseTTL))
			if errors.Is(err, store.ErrSchemaNewer) {
				// A newer Stepwise migrated the store under this node: what this node writes
				// may no longer fit it. It stops, and gives its executions to the new nodes.
				n.log.Error("the store was migrated by a newer Stepwise: this node stops", "err", err)
				return errors.Join(err, n.stop())
			}
			if err != nil && ctx.Err() == nil {
				n.log.Error("renew leases", "err", err)
			}
			n.recover(ctx)
		}
	}
}

// stop ends the node's work: it cancels its tasks, waits for them, and releases its leases.
func (n *Node) stop() error {
	n.cancel()
	n.running.Wait()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return n.st.ReleaseLeases(ctx, n.owner)
}

func (n *Node) poke() {
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// recover takes over running executions no node holds (this node's own after a restart, or
// a dead node's) and dispatches the tasks they were waiting for.
func (n *Node) recover(ctx context.Context) {
	for {
		arns, err := n.st.Unleased(ctx, n.now(), 500)
		if err != nil || len(arns) == 0 {
			if err != nil && ctx.Err() == nil {
				n.log.Error("list unleased executions", "err", err)
			}
			return
		}
		got, err := n.st.Lease(ctx, n.owner, arns, n.now().Add(n.opts.LeaseTTL))
		if err != nil {
			n.log.Error("lease executions", "err", err)
			return
		}
		if len(got) == 0 {
			return
		}
		taken := 0
		for _, arn := range got {
			n.mu.Lock()
			mine := n.live[arn] != nil // this node is working on it (between its creation and first lease)
			n.mu.Unlock()
			if mine {
				continue
			}
			// Loading it dispatches again the tasks its dead node was running.
			if _, err := n.acquire(ctx, arn); err != nil {
				n.log.Error("take over execution", "execution", arn, "err", err)
				continue
			}
			taken++
			n.maybePark(ctx, arn)
		}
		if taken > 0 {
			n.log.Info("took over executions", "count", taken)
		}
		if len(got) < 500 {
			return
		}
	}
}

// redispatch runs again the tasks of an execution just loaded that it still waits for: the
// node that dispatched them may have died before their result was committed (a .sync task
// then finds the job it started and waits for it again). Tasks that wait for a callback
// (activities, .waitForTaskToken tasks whose request was accepted) are not run again: their
// token stays valid.
func (n *Node) redispatch(ctx context.Context, arn string, ex *engine.Execution) {
	if ex.NextTaskID == 0 {
		// It never scheduled a task (a Wait, a Pass chain): nothing to look for. Timers
		// firing for 100,000 sleeping executions load each of them.
		return
	}
	tasks, err := n.st.PendingTasks(ctx, 100000)
	if err != nil {
		n.log.Error("list pending tasks", "err", err)
		return
	}
	// The tasks are found first and dispatched after: a dispatched task that answers at once
	// is applied to ex by another goroutine, which must not run while this one reads ex.
	var todo []*engine.Task
	for _, t := range tasks {
		if t.ExecutionArn != arn {
			continue
		}
		waiting, submitted := ex.TaskWaiting(t.ID)
		if !waiting {
			continue
		}
		var et engine.Task
		if err := json.Unmarshal([]byte(t.Body), &et); err != nil {
			n.log.Error("decode task", "execution", t.ExecutionArn, "err", err)
			continue
		}
		if submitted && et.Pattern == ".waitForTaskToken" {
			continue // the request went out; the answer comes with the token
		}
		todo = append(todo, &et)
	}
	for _, et := range todo {
		n.dispatch(arn, et)
	}
}

// maybePark gives up the lease of an execution that waits only for timers or callbacks, so
// that any node can act on it (fire its timer, take its callback, stop it) and this node
// does not renew a lease for it while it sleeps.
func (n *Node) maybePark(ctx context.Context, arn string) {
	n.mu.Lock()
	l := n.live[arn]
	busy := n.busy[arn] > 0
	n.mu.Unlock()
	if l == nil || busy {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n.mu.Lock()
	if l.stopped || n.busy[arn] > 0 || n.live[arn] != l {
		n.mu.Unlock()
		return
	}
	delete(n.live, arn)
	n.keepWarm(arn, l)
	n.mu.Unlock()
	l.stopped = true
	if err := n.st.Park(ctx, n.owner, arn); err != nil && ctx.Err() == nil {
		n.log.Error("park execution", "execution", arn, "err", err)
	}
}

// timerWorkers bounds the timers a node fires at once, and timerBatch the due timers it
// reads at a time. Firing one is two commits (lease, step) that wait for their group
// commit's fsync: throughput is workers over latency, and 256 keep up with 100,000 sleeping
// executions waking at the rate they were started (64 fell minutes behind).
const (
	timerWorkers = 256
	timerBatch   = 1024
)

// fireTimers delivers the due timers and returns how long to sleep before the next one.
func (n *Node) fireTimers(ctx context.Context) time.Duration {
	for ctx.Err() == nil {
		now := n.now()
		due, err := n.st.DueTimers(ctx, now, timerBatch)
		if err != nil {
			if ctx.Err() == nil {
				n.log.Error("due timers", "err", err)
			}
			return n.opts.Poll
		}
		// Timers of different executions fire concurrently, so that their commits share
		// transactions (group commit); one execution's events stay in order (deliver locks it).
		var fired atomic.Int64
		var wg sync.WaitGroup
		sem := make(chan struct{}, timerWorkers)
		for _, batch := range byExecution(due) {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				for _, t := range batch { // earliest first, as DueTimers returned them
					if n.deliver(ctx, t.ExecutionArn, engine.Event{Kind: engine.TimerFired, TimerID: t.ID, Time: n.now()}) {
						fired.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		if fired.Load() == 0 || len(due) < timerBatch {
			break
		}
	}
	// Only a timer due before the next poll matters: looking no further keeps the look short
	// however many timers lie further out (each running execution has one a year ahead).
	soon, err := n.st.DueTimers(ctx, n.now().Add(n.opts.Poll), 1)
	if err != nil || len(soon) == 0 {
		return n.opts.Poll
	}
	d := soon[0].Due.Sub(n.now())
	switch {
	case d < 10*time.Millisecond:
		// Due but another node holds it (or it failed): look again soon, not at once.
		d = 10 * time.Millisecond
	case d > n.opts.Poll:
		d = n.opts.Poll
	}
	return d
}

// byExecution groups timers by execution, keeping their order.
func byExecution(timers []store.Timer) [][]store.Timer {
	index := map[string]int{}
	var out [][]store.Timer
	for _, t := range timers {
		i, ok := index[t.ExecutionArn]
		if !ok {
			i = len(out)
			index[t.ExecutionArn] = i
			out = append(out, nil)
		}
		out[i] = append(out[i], t)
	}
	return out
}

// revisionInterpreter returns the kept interpreter of the revision an execution runs, or nil:
// a revision's definition never changes, so a reload (a timer firing for a parked execution,
// a takeover) needs no store read of it when the node has the interpreter already.
// Executions started on a version go through machineFor.
func (n *Node) revisionInterpreter(row *store.Execution, revision string) *engine.Interpreter {
	if row.VersionArn != "" || revision == "" {
		return nil
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.procs[row.StateMachineArn+"#"+revision]
}

// maxInterpreters bounds the interpreters a node keeps; past it the cache starts over.
const maxInterpreters = 1024

// Interpreter returns the interpreter of a state machine's revision (or version), parsing
// and validating it once: the runner's executions and the API's Express executions share it.
func (n *Node) Interpreter(sm *store.StateMachine) (*engine.Interpreter, error) {
	key := sm.Arn + "#" + sm.RevisionID
	n.mu.Lock()
	in := n.procs[key]
	n.mu.Unlock()
	if in != nil {
		return in, nil
	}
	parsed, err := asl.Parse([]byte(sm.Definition), asl.ValidateOptions{Type: sm.Type})
	if err != nil {
		return nil, err
	}
	cfg := engine.Config{
		Region: n.opts.Region, Account: n.opts.Account,
		MaxHistoryEvents: n.opts.MaxHistoryEvents, Express: sm.Type == "EXPRESS",
		ActivityExists: n.activityExists, EvalLimits: n.opts.EvalLimits,
	}
	if c, ok := n.opts.Tasks.(TaskChecker); ok {
		cfg.CheckTask = c.CheckTask
	}
	in = engine.New(parsed, cfg)
	n.mu.Lock()
	if len(n.procs) >= maxInterpreters {
		n.procs = map[string]*engine.Interpreter{} // start over rather than grow without bound
	}
	n.procs[key] = in
	n.mu.Unlock()
	return in, nil
}

// StartRequest asks for a new execution.
type StartRequest struct {
	StateMachine *store.StateMachine
	Name         string
	Input        string
	// ParentArn links the execution to the one that started it.
	ParentArn  string
	VersionArn string
	AliasArn   string
	// TraceHeader is StartExecution's traceHeader, kept for DescribeExecution.
	TraceHeader string
	// TraceParent is the trace context (a W3C traceparent) of the traced task that starts
	// the execution, if one does: its span goes under the task's (store.Execution.TraceParent).
	TraceParent string
}

// ExecutionArn returns the ARN of an execution of a state machine.
func ExecutionArn(smArn, name string) string {
	// arn:aws:states:REGION:ACCOUNT:stateMachine:NAME → ...:execution:NAME:EXEC
	const marker = ":stateMachine:"
	for i := 0; i+len(marker) <= len(smArn); i++ {
		if smArn[i:i+len(marker)] == marker {
			return smArn[:i] + ":execution:" + smArn[i+len(marker):] + ":" + name
		}
	}
	return smArn + ":" + name
}

// startWait is how long Start waits for an execution's first states to be computed, to
// commit them with the start in one write (the common case: a few microseconds of Pass,
// Choice and Task states). Past it the start is committed alone and answered, and the states
// run after on a timer due at once: StartExecution never waits longer on an evaluation,
// however long one computes (issue #15).
const startWait = 20 * time.Millisecond

// Start starts an execution: its ExecutionStarted event is committed before Start returns,
// so an acknowledged start survives a crash. Its first states are committed with it when
// they are computed within startWait, else they run after, as a timer due at once fires. It
// returns store.ErrExists when the ARN is taken.
func (n *Node) Start(ctx context.Context, req StartRequest) (*store.Execution, error) {
	n.enter()
	defer n.leave()
	in, err := n.Interpreter(req.StateMachine)
	if err != nil {
		return nil, err
	}
	arn := ExecutionArn(req.StateMachine.Arn, req.Name)
	now := n.now()
	params := engine.Start{
		ExecutionArn: arn, Name: req.Name,
		StateMachineArn: req.StateMachine.Arn, StateMachineName: req.StateMachine.Name,
		RoleArn: req.StateMachine.RoleArn, Input: req.Input, Time: now, Seed: now.UnixNano(),
		VersionArn: req.VersionArn, AliasArn: req.AliasArn,
	}
	// The interpreter is deterministic: the first states computed here and the same states
	// computed later on the timer give the same history (but for their timestamps), so
	// whichever is committed, the execution is the one that was asked for. A computation
	// abandoned past startWait ends within one call's yield (a tenth of the step budget).
	type started struct {
		ex   *engine.Execution
		step engine.Step
	}
	quick := make(chan started, 1)
	go func(params engine.Start) { // a copy: the deferred start below changes its own
		ex, step := in.Start(params)
		quick <- started{ex, step}
	}(params)
	var ex *engine.Execution
	var step engine.Step
	timer := time.NewTimer(startWait)
	select {
	case r := <-quick:
		timer.Stop()
		ex, step = r.ex, r.step
	case <-timer.C:
		params.Defer = true
		ex, step = in.Start(params)
	}
	ex.Revision = req.StateMachine.RevisionID // the definition it runs, even after updates
	row := store.Execution{
		Arn: arn, StateMachineArn: req.StateMachine.Arn, Name: req.Name, Input: req.Input,
		StartedAt: now, ParentArn: req.ParentArn, VersionArn: req.VersionArn, AliasArn: req.AliasArn,
		TraceHeader: req.TraceHeader, TraceParent: req.TraceParent,
	}
	if req.VersionArn == "" {
		row.RevisionID = req.StateMachine.RevisionID
	}
	l := &live{ex: ex, in: in, row: row}
	c, tasks, err := n.commitFor(l, step, engine.Event{})
	if err != nil {
		return nil, err
	}
	// The execution is created with its lease, in the one write: held by this node while it
	// has tasks to run here, parked when it only waits (a timer, a callback, an activity
	// worker), as maybePark would leave it right after.
	// kick is read now: once the execution is in n.live, the timer loop may be running it.
	kick := ex.YieldTimer
	hold := kick != 0 // its first states are this node's to run, at once
	for _, t := range tasks {
		hold = hold || !isCallback(t)
	}
	switch {
	case ex.Done():
	case hold:
		c.Lease = store.Lease{Owner: n.owner, Until: now.Add(n.opts.LeaseTTL)}
	default:
		c.Lease = store.Lease{Parked: true}
	}
	t0 := time.Now()
	if err := n.st.CreateExecution(ctx, c); err != nil {
		return nil, err
	}
	n.Stats.Commits.Add(1)
	n.Stats.CommitNanos.Add(int64(time.Since(t0)))
	n.Stats.ExecutionsStarted.Add(1)
	l.row = *c.Execution
	l.row.Version++
	if !ex.Done() {
		n.mu.Lock()
		if hold {
			n.live[arn] = l
		} else {
			n.keepWarm(arn, l) // created parked: its timer, or callback, finds it here
		}
		n.mu.Unlock()
	}
	out := l.row // copied before the tasks start, which change l.row
	if kick != 0 && hold {
		// The first states run here, now, rather than when the timer loop comes to the
		// timer; the timer stays as the durable promise, should this node die first. The
		// execution counts as busy meanwhile, so that it is not parked.
		n.mu.Lock()
		n.busy[arn]++
		n.mu.Unlock()
		n.running.Add(1)
		n.enter()
		go func() {
			defer n.running.Done()
			defer n.leave()
			n.deliver(n.ctx, arn, engine.Event{Kind: engine.TimerFired, TimerID: kick, Time: n.now()})
			n.mu.Lock()
			if n.busy[arn]--; n.busy[arn] <= 0 {
				delete(n.busy, arn)
			}
			n.mu.Unlock()
			n.maybePark(n.ctx, arn)
		}()
	}
	n.afterCommit(arn, c, tasks)
	return &out, nil
}

// Stop stops a running execution as StopExecution does.
func (n *Node) Stop(ctx context.Context, arn, errName, cause string, hasError, hasCause bool) error {
	if !n.deliverSoon(ctx, arn, engine.Event{Kind: engine.Stop, Error: errName, Cause: cause, HasError: hasError, HasCause: hasCause}) {
		return fmt.Errorf("execution %s is busy on another node; try again", arn)
	}
	return nil
}

// UpdateMapRun applies UpdateMapRun to a running Distributed Map run of execution arn.
func (n *Node) UpdateMapRun(ctx context.Context, arn string, u engine.MapRunUpdate) error {
	if !n.deliverSoon(ctx, arn, engine.Event{Kind: engine.UpdateMapRun, MapRun: &u}) {
		return fmt.Errorf("execution %s is busy on another node; try again", arn)
	}
	return nil
}

// deliverSoon delivers an event from the API. When another node holds the execution (it is
// running a task for it), it tries again for a while: the execution is parked, and so free
// to take, as soon as its tasks are done.
func (n *Node) deliverSoon(ctx context.Context, arn string, ev engine.Event) bool {
	deadline := time.Now().Add(max(3*time.Second, n.opts.LeaseTTL))
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		ev.Time = n.now()
		if n.deliver(ctx, arn, ev) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// Answer delivers a callback (SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat) for the
// task holding token. It returns store.ErrNotFound when no pending task has that token.
func (n *Node) Answer(ctx context.Context, token string, ev engine.Event) error {
	t, err := n.st.TaskByToken(ctx, token)
	if err != nil {
		return err
	}
	ev.TaskID = t.ID
	n.mu.Lock()
	pending := n.unsubmitted[fmt.Sprintf("%s#%d", t.ExecutionArn, t.ID)]
	n.mu.Unlock()
	if pending != nil {
		select {
		case <-pending: // the task's TaskSubmitted is recorded (or its request failed)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if !n.deliverSoon(ctx, t.ExecutionArn, ev) {
		return fmt.Errorf("execution %s is busy on another node; try again", t.ExecutionArn)
	}
	return nil
}

// acquire returns the live execution for arn, leasing and loading it when this node does
// not hold it yet; nil when another node holds it or it has ended.
func (n *Node) acquire(ctx context.Context, arn string) (*live, error) {
	n.mu.Lock()
	l := n.live[arn]
	n.mu.Unlock()
	if l != nil {
		return l, nil
	}
	row, err := n.st.LeaseExecution(ctx, n.owner, arn, n.now().Add(n.opts.LeaseTTL))
	if err != nil || row == nil {
		return nil, err
	}
	w, warm := n.takeWarm(arn)
	if row.Status != string(engine.Running) {
		// Leasing it was moot: an ended execution holds no lease, lest it be renewed.
		if err := n.st.Park(ctx, n.owner, arn); err != nil && ctx.Err() == nil {
			n.log.Error("release ended execution", "execution", arn, "err", err)
		}
		return nil, nil
	}
	if row.State == "" {
		return nil, nil
	}
	var ex *engine.Execution
	var in *engine.Interpreter
	if warm && w.fits(row) {
		ex, in = w.ex, w.in // the state this node committed last, and no node since
	} else if ex, err = decodeState(row.State); err != nil {
		return nil, fmt.Errorf("%w: %v", errUnloadable, err)
	} else {
		n.Stats.StatesDecoded.Add(1)
		in = n.revisionInterpreter(row, ex.Revision)
	}
	if in == nil {
		sm, err := n.machineFor(ctx, row, ex.Revision)
		if err != nil {
			return nil, err
		}
		if in, err = n.Interpreter(sm); err != nil {
			return nil, fmt.Errorf("%w: %v", errUnloadable, err)
		}
	}
	l = &live{ex: ex, in: in, row: *row}
	n.mu.Lock()
	cur := n.live[arn]
	if cur != nil {
		l = cur
	} else {
		n.live[arn] = l
	}
	n.mu.Unlock()
	if cur == nil {
		// Taken over (or reloaded): the tasks it waits for may have died with their node.
		n.redispatch(ctx, arn, ex)
	}
	return l, nil
}

func (n *Node) evict(arn string, l *live) {
	n.mu.Lock()
	if n.live[arn] == l {
		delete(n.live, arn)
	}
	n.mu.Unlock()
	l.stopped = true
}

// deliver applies one event to an execution and commits the step. It reports whether the
// event was consumed (applied and committed, or moot because the execution has ended).
func (n *Node) deliver(ctx context.Context, arn string, ev engine.Event) bool {
	return n.deliverAll(ctx, arn, ev)
}

// deliverAll applies events to an execution in order and commits them as one step. When the
// store fails (not a conflict: a lost connection, a full server), it tries again for about ten
// seconds before it gives up: the event may be a task's outcome, which nothing else would
// deliver again while this node holds the execution.
func (n *Node) deliverAll(ctx context.Context, arn string, evs ...engine.Event) bool {
	n.enter()
	defer n.leave()
	for wait := 20 * time.Millisecond; ; wait *= 2 {
		ok, transient := n.deliverOnce(ctx, arn, evs...)
		if ok || !transient || wait > 5*time.Second {
			return ok
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(wait):
		}
	}
}

// decodeState reads an execution's stored state. Numbers stay json.Number, as the engine
// keeps them: decoded as float64, an integer beyond 2^53 in an input or a variable would
// change after a reload.
func decodeState(state string) (*engine.Execution, error) {
	var ex engine.Execution
	dec := json.NewDecoder(strings.NewReader(state))
	dec.UseNumber()
	if err := dec.Decode(&ex); err != nil {
		return nil, fmt.Errorf("decode execution state: %w", err)
	}
	return &ex, nil
}

// errUnloadable marks an execution whose stored state or definition cannot be loaded: trying
// again does not help.
var errUnloadable = errors.New("execution cannot be loaded")

// deliverOnce is one attempt of deliverAll; transient reports a store failure worth another.
func (n *Node) deliverOnce(ctx context.Context, arn string, evs ...engine.Event) (ok, transient bool) {
	ev := evs[len(evs)-1] // the one that consumes a timer or task, if any
	for attempt := 0; attempt < 2; attempt++ {
		l, err := n.acquire(ctx, arn)
		if err != nil {
			n.log.Error("load execution", "execution", arn, "err", err)
			return false, ctx.Err() == nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, errUnloadable)
		}
		if l == nil {
			return n.discardMoot(ctx, arn, ev), false
		}
		l.mu.Lock()
		if l.stopped {
			l.mu.Unlock()
			continue
		}
		var step engine.Step
		var broken string
		for _, e := range evs {
			s, b := n.apply(l, e)
			step.Events = append(step.Events, s.Events...)
			step.Commands = append(step.Commands, s.Commands...)
			if broken = b; broken != "" {
				break
			}
		}
		if broken != "" {
			n.evict(arn, l)
			l.mu.Unlock()
			if ev.Kind != engine.Stop {
				// Abort it rather than meet the same panic at every retry.
				return n.deliver(ctx, arn, engine.Event{Kind: engine.Stop, Time: n.now(), Error: "States.Runtime",
					Cause: "Stepwise could not run this execution (an internal error): " + broken, HasError: true, HasCause: true}), false
			}
			return false, false
		}
		c, tasks, err := n.commitFor(l, step, ev)
		if err == nil {
			t0 := time.Now()
			err = n.st.Commit(ctx, c)
			n.Stats.Commits.Add(1)
			n.Stats.CommitNanos.Add(int64(time.Since(t0)))
		}
		if err != nil {
			// The in-memory state ran ahead of the store: drop it and reload next time.
			n.evict(arn, l)
			l.mu.Unlock()
			if !errors.Is(err, store.ErrConflict) {
				n.log.Error("commit", "execution", arn, "err", err)
			}
			if errors.Is(err, store.ErrConflict) {
				continue
			}
			return false, ctx.Err() == nil
		}
		l.row = *c.Execution
		l.row.Version++
		if l.ex.Done() {
			n.evict(arn, l)
		}
		l.mu.Unlock()
		n.afterCommit(arn, c, tasks)
		return true, false
	}
	return false, false
}

// apply feeds an event to the interpreter. A bug that makes the interpreter panic must not
// take the node, and every other execution, down: the panic is logged and returned as text
// (empty when all went well), and the caller aborts the execution with States.Runtime.
func (n *Node) apply(l *live, ev engine.Event) (step engine.Step, broken string) {
	defer func() {
		if r := recover(); r != nil {
			n.log.Error("interpreter panic", "execution", l.ex.ExecutionArn, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			broken = fmt.Sprint(r)
		}
	}()
	return l.in.Apply(l.ex, ev), ""
}

// discardMoot removes a timer or task of an execution that has ended, so that it does not
// come back. Events for executions another node holds are left to that node.
func (n *Node) discardMoot(ctx context.Context, arn string, ev engine.Event) bool {
	row, err := n.st.GetExecution(ctx, arn)
	if err != nil || row.Status == string(engine.Running) {
		return false
	}
	c := store.Commit{Execution: row}
	switch ev.Kind {
	case engine.TimerFired:
		c.CancelTimers = []int64{ev.TimerID}
	case engine.TaskSucceeded, engine.TaskFailed:
		c.CancelTasks = []int64{ev.TaskID}
	default:
		return true
	}
	if err := n.st.Commit(ctx, c); err != nil && !errors.Is(err, store.ErrConflict) {
		n.log.Error("discard ended execution's timer", "execution", arn, "err", err)
	}
	return true
}

// commitFor turns a step into a Commit: the execution's new row, its events, and the
// timers and tasks it set and cancelled. The event that caused the step consumes its timer
// or task. It returns the tasks to dispatch once the commit is durable.
func (n *Node) commitFor(l *live, step engine.Step, cause engine.Event) (store.Commit, []*engine.Task, error) {
	ex := l.ex
	row := l.row
	row.Status = string(ex.Status)
	row.LastEventID = ex.LastEventID
	row.Error, row.Cause = ex.Error, ex.Cause
	if ex.Status == engine.Succeeded {
		out := ex.Output
		row.Output = &out
	}
	row.RedriveCount = ex.RedriveCount
	if !ex.RedriveTime.IsZero() {
		t := ex.RedriveTime
		row.RedriveDate = &t
	}
	switch {
	case ex.Status == engine.Succeeded:
		t := ex.StopTime
		row.StoppedAt = &t
		row.State = ""
		if len(ex.RedriveTokens) > 0 {
			// Nothing can resume it, but a retried RedriveExecution must still find its token.
			state, err := json.Marshal(struct {
				Tokens []engine.RedriveToken `json:"redriveTokens"`
			}{ex.RedriveTokens})
			if err != nil {
				return store.Commit{}, nil, fmt.Errorf("encode execution state: %w", err)
			}
			row.State = string(state)
		}
	default:
		// A failed, timed-out or aborted execution keeps its state for a redrive.
		if ex.Done() {
			t := ex.StopTime
			row.StoppedAt = &t
		} else {
			row.StoppedAt = nil
		}
		state, err := json.Marshal(ex)
		if err != nil {
			return store.Commit{}, nil, fmt.Errorf("encode execution state: %w", err)
		}
		row.State = string(state)
	}
	c := store.Commit{Execution: &row, Events: step.Events}
	if n.opts.StatusEvents && (row.Status != l.row.Status || row.RedriveCount != l.row.RedriveCount) {
		n.statusEvents(&c, l.row)
	}
	switch cause.Kind {
	case engine.TimerFired:
		c.CancelTimers = append(c.CancelTimers, cause.TimerID)
	case engine.TaskSucceeded, engine.TaskFailed:
		c.CancelTasks = append(c.CancelTasks, cause.TaskID)
	}
	var tasks []*engine.Task
	for _, cmd := range step.Commands {
		switch cmd.Kind {
		case engine.StartTimer:
			due := cmd.At
			if n.clock != nil && cmd.TimerID == ex.YieldTimer {
				due = due.Add(time.Second) // a yield's work on the virtual clock, as in Local
			}
			c.NewTimers = append(c.NewTimers, store.Timer{ExecutionArn: row.Arn, ID: cmd.TimerID, Due: due})
		case engine.CancelTimer:
			// A timer set and cancelled in the same step (the execution's one-year timeout,
			// when it ends in its first step) is not written at all: the store deletes before
			// it inserts, so it stayed behind, a row per execution.
			if i := slices.IndexFunc(c.NewTimers, func(t store.Timer) bool { return t.ID == cmd.TimerID }); i >= 0 {
				c.NewTimers = slices.Delete(c.NewTimers, i, i+1)
				continue
			}
			c.CancelTimers = append(c.CancelTimers, cmd.TimerID)
		case engine.CancelTask:
			// Likewise a task scheduled and cancelled in the same step (a Parallel state's
			// branch that scheduled it, aborted as another branch failed at once): stored, it
			// would have been dispatched, a function invoked for a branch already aborted.
			if i := slices.IndexFunc(c.NewTasks, func(t store.Task) bool { return t.ID == cmd.TaskID }); i >= 0 {
				c.NewTasks = slices.Delete(c.NewTasks, i, i+1)
				tasks = slices.DeleteFunc(tasks, func(t *engine.Task) bool { return t.ID == cmd.TaskID })
				continue
			}
			c.CancelTasks = append(c.CancelTasks, cmd.TaskID)
		case engine.MapRunChanged:
			mr, err := mapRunRow(cmd.MapRun)
			if err != nil {
				return store.Commit{}, nil, err
			}
			c.MapRuns = append(c.MapRuns, mr)
		case engine.ChildExecutionChanged:
			c.Children = append(c.Children, childStep(cmd.Child))
		case engine.ScheduleTask:
			t := *cmd.Task
			if t.Token == "" {
				t.Token = ids.Token()
			}
			body, err := json.Marshal(&t)
			if err != nil {
				return store.Commit{}, nil, fmt.Errorf("encode task: %w", err)
			}
			c.NewTasks = append(c.NewTasks, store.Task{ExecutionArn: row.Arn, ID: t.ID, Token: t.Token,
				Resource: t.Resource, Body: string(body), CreatedAt: n.now()})
			tasks = append(tasks, &t)
		}
	}
	return c, tasks, nil
}

// afterCommit carries out what a durable step asked for.
func (n *Node) afterCommit(arn string, c store.Commit, tasks []*engine.Task) {
	if n.opts.Tracer != nil && n.traced(c.Execution) {
		n.opts.Tracer.Observe(n.ctx, c.Execution, c.Events)
		for i := range c.Children {
			// A Distributed Map's child executions run the parent's state machine, in the
			// parent's trace.
			child := c.Children[i].Execution
			child.ParentArn = c.Execution.Arn
			n.opts.Tracer.Observe(n.ctx, &child, c.Children[i].Events)
		}
	}
	if len(c.Outbox)+len(c.StatusChanges) > 0 && n.opts.OnStatusEvents != nil {
		n.opts.OnStatusEvents()
	}
	for _, id := range c.CancelTasks {
		n.mu.Lock()
		cancel := n.cancels[fmt.Sprintf("%s#%d", arn, id)]
		n.mu.Unlock()
		if cancel != nil {
			cancel(ErrTaskCancelled)
		}
	}
	if n.opts.ExecutionLogs != nil {
		n.opts.ExecutionLogs.Events(context.Background(), c.Execution.StateMachineArn, arn, c.Execution.RedriveCount, c.Events)
	}
	for _, e := range c.Events {
		if strings.HasSuffix(e.Type, "StateEntered") {
			n.Stats.Transitions.Add(1)
		}
	}
	switch engine.Status(c.Execution.Status) {
	case engine.Running:
	case engine.Succeeded:
		n.Stats.Succeeded.Add(1)
	case engine.Failed:
		n.Stats.Failed.Add(1)
	case engine.TimedOut:
		n.Stats.TimedOut.Add(1)
	case engine.Aborted:
		n.Stats.Aborted.Add(1)
	}
	if c.Execution.Status != string(engine.Running) {
		n.notifyEnded(arn)
	}
	for _, t := range tasks {
		n.dispatch(arn, t)
	}
	n.activityTasksCommitted(c.NewTasks)
	if len(c.NewTimers) > 0 {
		n.poke()
	}
	if c.Execution.Status == string(engine.Running) {
		n.maybePark(n.ctx, arn)
	}
}

// dispatch runs a task in its own goroutine and feeds its outcome back. Activity tasks wait
// for a worker instead; a .waitForTaskToken task's handler sends the request and the result
// comes later with the token.
func (n *Node) dispatch(arn string, t *engine.Task) {
	if isCallback(t) {
		return
	}
	key := fmt.Sprintf("%s#%d", arn, t.ID)
	n.mu.Lock()
	if n.inflight[key] {
		n.mu.Unlock()
		return
	}
	n.inflight[key] = true
	n.busy[arn]++
	submitted := func() {}
	if t.Pattern == ".waitForTaskToken" {
		ch := make(chan struct{})
		n.unsubmitted[key] = ch
		var once sync.Once
		submitted = func() {
			once.Do(func() {
				n.mu.Lock()
				delete(n.unsubmitted, key)
				n.mu.Unlock()
				close(ch)
			})
		}
	}
	n.mu.Unlock()
	n.running.Add(1)
	n.enter()
	go func() {
		defer n.running.Done()
		defer n.leave()
		defer submitted() // whatever became of the request
		defer func() {
			n.mu.Lock()
			delete(n.inflight, key)
			if n.busy[arn]--; n.busy[arn] <= 0 {
				delete(n.busy, arn)
			}
			n.mu.Unlock()
			n.maybePark(n.ctx, arn)
		}()
		ctx, cancel := context.WithCancelCause(n.ctx)
		defer cancel(nil)
		n.mu.Lock()
		n.cancels[key] = cancel
		held := n.live[arn] != nil
		n.mu.Unlock()
		defer func() {
			n.mu.Lock()
			delete(n.cancels, key)
			n.mu.Unlock()
		}()
		// TaskStarted is committed once the task has run for startedGrace, or with its
		// result when it ends sooner: one commit instead of two for a quick task, and the
		// same history (the event keeps the time the task started). Nothing leaves the node
		// in between, so a crash has the same outcome either way: the task runs again.
		started := engine.Event{Kind: engine.TaskStarted, TaskID: t.ID, Time: n.now()}
		var startOnce sync.Once
		startedOK := true
		start := func() bool {
			startOnce.Do(func() { startedOK = n.deliver(ctx, arn, started) })
			return startedOK
		}
		if !held && !start() {
			// Not this node's to run (another holds the execution), or it is gone.
			return
		}
		if n.opts.OnIdle != nil {
			ctx = context.WithValue(ctx, blockKey{}, n)
		}
		ctx = context.WithValue(ctx, submitKey{}, func(out string) {
			start()
			n.deliver(n.ctx, arn, engine.Event{Kind: engine.TaskSubmitted, TaskID: t.ID, Output: out, Time: n.now()})
		})
		ctx, complete := withComplete(ctx)
		if n.opts.Tracer != nil {
			ctx = n.opts.Tracer.TaskContext(ctx, arn, t)
		}
		t0 := time.Now()
		lazy := time.AfterFunc(startedGrace, func() { start() })
		out, err := runTask(ctx, n.opts.Tasks, t, n.log)
		n.Stats.Tasks.Add(1)
		n.Stats.TaskNanos.Add(int64(time.Since(t0)))
		if !lazy.Stop() {
			start() // the timer has fired: wait for its commit, whose outcome start returns
		}
		if ctx.Err() != nil {
			// Shutting down (the task runs again on recovery), or the task is no longer
			// wanted (its state was stopped, timed out or aborted).
			return
		}
		ev := engine.Event{Kind: engine.TaskSucceeded, TaskID: t.ID, Output: out}
		if t.Pattern == ".waitForTaskToken" && !complete.Load() {
			// The request went out; the result comes with SendTaskSuccess.
			ev.Kind = engine.TaskSubmitted
		}
		if err != nil {
			var te *TaskError
			if !errors.As(err, &te) {
				te = &TaskError{Name: "States.TaskFailed", Cause: err.Error()}
			}
			ev = engine.Event{Kind: engine.TaskFailed, TaskID: t.ID, Error: te.Name, Cause: te.Cause, HasError: true, HasCause: true}
		}
		ev.Time = n.now()
		notYet := false
		startOnce.Do(func() { notYet = true }) // TaskStarted is not committed, and now no one else commits it
		if notYet {
			n.deliverAll(ctx, arn, started, ev)
			return
		}
		if startedOK {
			n.deliver(ctx, arn, ev)
		}
	}()
}

// startedGrace is how long a task runs before its TaskStarted is committed on its own.
const startedGrace = 5 * time.Millisecond

// ErrTaskCancelled is the cause of a task's context when the execution no longer wants its
// result: the execution was stopped, or the task's state timed out or was aborted. An
// integration may then undo what it started (a .sync task stops its child execution).
var ErrTaskCancelled = errors.New("the task's result is no longer wanted")

type submitKey struct{}

// Submit reports that a task's request was accepted while its result is still to come (a
// .sync task whose job runs on): the history records TaskSubmitted with output. Outside a
// runner it does nothing.
func Submit(ctx context.Context, output string) {
	if f, ok := ctx.Value(submitKey{}).(func(string)); ok {
		f(output)
	}
}

// WithSubmit returns a context in which Submit calls f: how a TaskHandler run outside a
// Node (in a test, in TestState) sees what its task submitted.
func WithSubmit(ctx context.Context, f func(output string)) context.Context {
	return context.WithValue(ctx, submitKey{}, f)
}

// WaitEnded waits until an execution has ended and returns it. Executions that end on this
// node wake their waiters at once; those on other nodes are seen within a second.
//
// Called by a task of this node (a .sync task waiting for its child) while time skips, the
// task counts as blocked while it waits: the node may be idle and its clock jump. The child's
// end takes the work count back for the task before it wakes it (notifyEnded), so that the
// node is never idle between the end and the task's next step: were it, the clock could jump
// past the parent's own deadline in that instant.
func (n *Node) WaitEnded(ctx context.Context, arn string) (*store.Execution, error) {
	blocked := n.opts.OnIdle != nil && ctx.Value(blockKey{}) == n
	for {
		// Registered before the read: an end after it wakes this waiter and, blocked, takes
		// its count back for it.
		n.mu.Lock()
		ch := n.ended[arn]
		if ch == nil {
			ch = make(chan struct{})
			n.ended[arn] = ch
		}
		if blocked {
			n.handoff[arn]++
		}
		n.mu.Unlock()
		ex, err := n.st.GetExecution(ctx, arn)
		if err == nil && ex.Status == string(engine.Running) {
			if blocked {
				n.leave() // the task only waits now: time may skip
			}
			select {
			case <-ctx.Done():
				err = ctx.Err()
			case <-ch:
			case <-time.After(time.Second):
			}
			if blocked {
				n.reclaim(arn)
			}
			if err != nil {
				return nil, err
			}
			continue
		}
		if blocked && !n.unregister(arn) {
			n.leave() // the end took back a count this waiter never let go of
		}
		if err != nil {
			return nil, err
		}
		return ex, nil
	}
}

// unregister withdraws a blocked waiter on arn that did not let go of its count; false when
// the end of arn took the count back for it already (notifyEnded).
func (n *Node) unregister(arn string) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	k := n.handoff[arn]
	switch {
	case k == 0:
		return false
	case k == 1:
		delete(n.handoff, arn)
	default:
		n.handoff[arn] = k - 1
	}
	return true
}

// reclaim takes back the work count a blocked waiter on arn let go of, unless the end of arn
// took it back already (notifyEnded).
func (n *Node) reclaim(arn string) {
	if n.unregister(arn) {
		n.enter()
	}
}

func (n *Node) notifyEnded(arn string) {
	n.mu.Lock()
	ch := n.ended[arn]
	delete(n.ended, arn)
	k := n.handoff[arn]
	delete(n.handoff, arn)
	n.mu.Unlock()
	for range k {
		n.enter() // the blocked waiters' work, taken back before they wake (WaitEnded)
	}
	if ch != nil {
		close(ch)
	}
}

// isCallback reports whether a task is answered from outside (a task token or an activity
// worker) rather than by running it here.
func isCallback(t *engine.Task) bool {
	return engine.ParseResource(t.Resource).Kind == "activity"
}

// History reads an execution's events (for callers that do not hold the store).
func (n *Node) History(ctx context.Context, arn string) ([]history.Event, error) {
	var out []history.Event
	after := int64(0)
	for {
		evs, err := n.st.History(ctx, arn, after, 1000, false)
		if err != nil {
			return nil, err
		}
		out = append(out, evs...)
		if len(evs) < 1000 {
			return out, nil
		}
		after = evs[len(evs)-1].ID
	}
}
