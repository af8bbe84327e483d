package store

import (
	"context"
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

// ExpressExecution sums up the kept log events of one Express execution.
type ExpressExecution struct {
	ExecutionArn string
	// First and Last are the timestamps of its first and last kept events.
	First, Last time.Time
	Events      int
	// LastType is the type of its last event (by id).
	LastType string
}

// ExpressLogs keeps the newest log events of Express executions, a bounded number per state
// machine (migration 0015); both stores keep them.
type ExpressLogs interface {
	// AddExpressLogs adds log events, then keeps only the newest keep events of each of the
	// state machines they belong to. An event already kept (same execution and id) is not
	// added again.
	AddExpressLogs(ctx context.Context, evs []ExpressLogEvent, keep int) error
	// ListExpressExecutions sums up the executions of a state machine (unqualified ARN)
	// whose events are kept, the one with the latest event added first.
	ListExpressExecutions(ctx context.Context, stateMachineArn string, limit int) ([]ExpressExecution, error)
	// ExpressLogEvents returns the kept events of an execution, by id.
	ExpressLogEvents(ctx context.Context, executionArn string) ([]ExpressLogEvent, error)
}
