package execlog

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store"
)

// Sink receives the log events of one step of one execution as JSON lines (each object
// followed by a newline; none holds a raw newline), for the log group the state machine
// names ("" when it names none). lines is not kept past the call.
type Sink interface {
	Write(logGroupArn string, lines []byte) error
}

// buffers holds the buffers steps' log events are written into (a step of a chain of Pass
// states allocated one per event before).
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// Machines finds a state machine's stored configuration.
type Machines interface {
	GetStateMachine(ctx context.Context, arn string) (*store.StateMachine, error)
}

// configTTL is how long a state machine's logging configuration is used before it is read
// again: an update made through another node is seen within it (this node's own updates at
// once, through Forget).
const configTTL = 5 * time.Second

// Writer turns the history events of executions into log events for a Sink, by their state
// machine's loggingConfiguration. Its methods are safe for concurrent use; a nil *Writer logs
// nothing.
type Writer struct {
	sink     Sink
	machines Machines
	log      *slog.Logger
	now      func() time.Time

	mu      sync.Mutex
	configs map[string]cached
}

type cached struct {
	cfg  Config
	read time.Time
}

// NewWriter returns a Writer reading configurations from machines and writing to sink.
func NewWriter(sink Sink, machines Machines, log *slog.Logger) *Writer {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Writer{sink: sink, machines: machines, log: log, now: time.Now, configs: map[string]cached{}}
}

// Forget drops what the Writer knows of a state machine's configuration (it was updated).
func (w *Writer) Forget(stateMachineArn string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	delete(w.configs, stateMachineArn)
	w.mu.Unlock()
}

// Config returns a state machine's logging configuration, read at most every configTTL.
func (w *Writer) Config(ctx context.Context, stateMachineArn string) Config {
	now := w.now()
	w.mu.Lock()
	c, ok := w.configs[stateMachineArn]
	w.mu.Unlock()
	if ok && now.Sub(c.read) < configTTL {
		return c.cfg
	}
	c = cached{read: now}
	if sm, err := w.machines.GetStateMachine(ctx, stateMachineArn); err == nil {
		c.cfg = ParseConfig(sm.Config)
	}
	w.mu.Lock()
	if len(w.configs) > 4096 {
		w.configs = map[string]cached{} // start over rather than grow without bound
	}
	w.configs[stateMachineArn] = c
	w.mu.Unlock()
	return c.cfg
}

// Events logs the events one step of an execution of a state machine added to its history.
func (w *Writer) Events(ctx context.Context, stateMachineArn, executionArn string, redriveCount int, events []history.Event) {
	if w == nil || len(events) == 0 {
		return
	}
	w.EventsWith(w.Config(ctx, stateMachineArn), executionArn, redriveCount, events)
}

// EventsWith logs events by a configuration the caller already has (an Express execution
// reads it once).
func (w *Writer) EventsWith(cfg Config, executionArn string, redriveCount int, events []history.Event) {
	if w == nil || cfg.Level == Off {
		return
	}
	bp := buffers.Get().(*[]byte)
	out := (*bp)[:0]
	var tb [160]byte
	tail := appendTail(tb[:0], executionArn, redriveCount)
	for _, e := range events {
		if !cfg.Level.Includes(e.Type) {
			continue
		}
		b, err := appendEvent(out, cfg, tail, e)
		if err != nil {
			w.log.Error("execution log event", "execution", executionArn, "event", e.ID, "err", err)
			continue
		}
		out = append(b, '\n')
	}
	if len(out) > 0 {
		if err := w.sink.Write(cfg.LogGroupArn, out); err != nil {
			w.log.Error("execution logs", "execution", executionArn, "err", err)
		}
	}
	if cap(out) <= 1<<20 { // a huge step's buffer is left to the collector
		*bp = out[:0]
		buffers.Put(bp)
	}
}
