package store

import (
	"context"
	"strings"
	"time"
)

// ExpressLogEvent is one log event of an Express execution (which keeps no history), kept
// for the console while its state machine's loggingConfiguration logs it.
type ExpressLogEvent struct {
	// StateMachineArn is the state machine's ARN, unqualified (no version or alias).
	StateMachineArn string
	ExecutionArn    string
	ID              int64
	Type            string
	Timestamp       time.Time
	// Line is the log event as the execution logs write it (execlog.Append's JSON).
	Line string
}

// ExpressExecution is the kept log events of one Express execution.
type ExpressExecution struct {
	ExecutionArn, StateMachineArn string
	// First and Last are the timestamps of its first and last kept events.
	First, Last time.Time
	// Events is how many events are kept; Dropped how many were not, past
	// MaxExpressLogBytes.
	Events, Dropped int
	// LastType is the type of its last kept event.
	LastType string
	// Lines are the kept events, in order, as JSON lines (GetExpressExecution only).
	Lines string
}

// MaxExpressLogBytes bounds the log events kept of one Express execution: once its lines
// pass it, its further events are counted, not kept.
const MaxExpressLogBytes = 1 << 20

// ExpressLogs keeps the log events of the newest Express executions of each state machine
// (migration 0015), one row an execution; both stores keep them. Store.DeleteStateMachine
// deletes a state machine's with it.
type ExpressLogs interface {
	// AddExpressLogs appends log events to their executions (an execution's events come in
	// order, over as many calls as it takes), then keeps only the newest keep executions of
	// each state machine the events belong to.
	AddExpressLogs(ctx context.Context, evs []ExpressLogEvent, keep int) error
	// ListExpressExecutions returns the kept executions of a state machine (unqualified
	// ARN), newest first, without their lines.
	ListExpressExecutions(ctx context.Context, stateMachineArn string, limit int) ([]ExpressExecution, error)
	// GetExpressExecution returns an execution with its lines; ErrNotFound when none is kept.
	GetExpressExecution(ctx context.Context, executionArn string) (*ExpressExecution, error)
	// PurgeExpressLogs deletes, in one transaction, up to limit kept executions whose last
	// kept event is before before, oldest first (migration 0017's index, so that a batch
	// costs the same however many are kept): --retention's purge. It returns how many it
	// deleted (0 when none is left), or ErrPurgeBusy when another node is purging.
	PurgeExpressLogs(ctx context.Context, before time.Time, limit int) (int, error)
}

// GroupExpressLogs gathers events by execution, in the order each first appears, each
// execution's events in their order: what a store writes as one row.
func GroupExpressLogs(evs []ExpressLogEvent) []ExpressExecution {
	var out []ExpressExecution
	var lines []strings.Builder
	at := map[string]int{}
	for _, e := range evs {
		i, ok := at[e.ExecutionArn]
		if !ok {
			i = len(out)
			at[e.ExecutionArn] = i
			out = append(out, ExpressExecution{ExecutionArn: e.ExecutionArn, StateMachineArn: e.StateMachineArn, First: e.Timestamp})
			lines = append(lines, strings.Builder{})
		}
		x := &out[i]
		lines[i].WriteString(e.Line)
		lines[i].WriteByte('\n')
		x.Events++
		x.Last, x.LastType = e.Timestamp, e.Type
	}
	for i := range out {
		out[i].Lines = lines[i].String()
	}
	return out
}
