package execlog

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// DefaultKeep is how many Express executions' log events a Keeper keeps per state machine.
const DefaultKeep = 1000

// Keeper keeps the newest log events of Express executions in the store, for the console:
// Express executions keep no history, and with logging on these events are all that is left
// of them. Add queues an execution's events and returns; Run writes what has queued every
// 200 ms (or sooner, past maxQueue/4 events) in one transaction, a row an execution, trimming
// each state machine to its newest keep executions. Events past a full queue are dropped and counted in the
// node's log: the console's record never holds an execution back. A nil *Keeper keeps
// nothing.
type Keeper struct {
	store store.ExpressLogs
	keep  int
	log   *slog.Logger
	flush time.Duration

	mu      sync.Mutex
	queue   []store.ExpressLogEvent
	spare   []store.ExpressLogEvent
	dropped int
	wake    chan struct{}
	done    chan struct{}
}

// maxQueue bounds the events waiting to be written.
const maxQueue = 50_000

// NewKeeper returns a Keeper writing to st, keeping keep executions per state machine (0:
// DefaultKeep); Run writes what it queues.
func NewKeeper(st store.ExpressLogs, keep int, log *slog.Logger) *Keeper {
	if keep <= 0 {
		keep = DefaultKeep
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Keeper{store: st, keep: keep, log: log, flush: 200 * time.Millisecond,
		wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// Unqualified is a state machine's ARN without its version or alias.
func Unqualified(stateMachineArn string) string {
	if parts := strings.SplitN(stateMachineArn, ":", 8); len(parts) == 8 {
		return strings.Join(parts[:7], ":")
	}
	return stateMachineArn
}

// Add queues the log events an Express execution's step wrote, by the level and data setting
// of cfg (as the execution logs write them).
func (k *Keeper) Add(cfg Config, stateMachineArn, executionArn string, events []history.Event) {
	if k == nil || cfg.Level == Off {
		return
	}
	sm := Unqualified(stateMachineArn)
	bp := buffers.Get().(*[]byte)
	defer buffers.Put(bp)
	var add [8]store.ExpressLogEvent // a step's events, most often two, without an allocation
	list := add[:0]
	var tb [160]byte
	tail := appendTail(tb[:0], executionArn, 0)
	for _, e := range events {
		if !cfg.Level.Includes(e.Type) {
			continue
		}
		line, err := appendEvent((*bp)[:0], cfg, tail, e)
		if err != nil {
			k.log.Error("express log event", "execution", executionArn, "event", e.ID, "err", err)
			continue
		}
		if cap(line) <= 1<<20 {
			*bp = line
		}
		list = append(list, store.ExpressLogEvent{StateMachineArn: sm, ExecutionArn: executionArn, ID: e.ID, Type: e.Type,
			Timestamp: e.Timestamp.Time, Line: string(line)})
	}
	if len(list) == 0 {
		return
	}
	k.mu.Lock()
	if n := maxQueue - len(k.queue); n < len(list) {
		k.dropped += len(list) - max(n, 0)
		list = list[:max(n, 0)]
	}
	k.queue = append(k.queue, list...)
	full := len(k.queue) >= maxQueue/4
	k.mu.Unlock()
	if full {
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
}

// Run writes the queued events until ctx ends, then writes what is left and returns.
func (k *Keeper) Run(ctx context.Context) {
	defer close(k.done)
	t := time.NewTicker(k.flush)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-k.wake:
		}
		stopping := ctx.Err() != nil
		w, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		k.write(w)
		cancel()
		if stopping {
			return
		}
	}
}

// Done is closed when Run has returned.
func (k *Keeper) Done() <-chan struct{} { return k.done }

func (k *Keeper) write(ctx context.Context) {
	// Two queues take turns: the one written is cleared and filled again, rather than a new
	// one grown from nothing after every write (the growth was most of Add's time).
	k.mu.Lock()
	q, dropped := k.queue, k.dropped
	k.queue, k.dropped = k.spare[:0], 0
	k.mu.Unlock()
	defer func() {
		clear(q)
		k.mu.Lock()
		k.spare = q[:0]
		k.mu.Unlock()
	}()
	if dropped > 0 {
		k.log.Warn("Express log events dropped: the console's queue was full", "events", dropped)
	}
	if len(q) == 0 {
		return
	}
	if err := k.store.AddExpressLogs(ctx, q, k.keep); err != nil {
		k.log.Error("Express log events not kept for the console", "events", len(q), "err", err)
	}
}
