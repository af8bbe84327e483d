package store

import (
	"errors"
	"time"
)

// ErrPurgeBusy is what PurgeExecutions returns when another node is purging: only one purges
// at a time (PostgreSQL takes an advisory lock for each batch).
var ErrPurgeBusy = errors.New("another node is purging")

// Purge says which closed executions PurgeExecutions deletes.
type Purge struct {
	// Before: executions that closed (stopped) before it are deleted: SUCCEEDED ones, and
	// FAILED, TIMED_OUT and ABORTED ones that also closed before RedrivableBefore (they can
	// still be redriven until then).
	Before           time.Time
	RedrivableBefore time.Time
	// Limit bounds the executions one call deletes, Distributed Map children included (see
	// Store.PurgeExecutions).
	Limit int
	// Freeze builds the whole event of a status change kept by reference (StatusChange) from
	// the execution's row (events.Build): an execution deleted with changes still waiting
	// has them rewritten whole first, in the same transaction, so that its events outlive
	// it. The row holds what OutboxEvent.Execution holds. Nil: such an execution is kept
	// until its changes are delivered.
	Freeze func(c *StatusChange, row *Execution) string
}
