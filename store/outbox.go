package store

import (
	"context"
	"time"
)

// OutboxEvent is an event waiting in the durable outbox: written by a Commit in the same
// transaction as the change it reports (Commit.Outbox), deleted once delivered. Delivery is
// at least once: a node that dies between the delivery and the delete leaves it to be sent
// again. One row can hold two events, an execution's RUNNING and the change after it
// (StatusChange.StartedEventID; as a Body, one a line): it is deleted once both are.
type OutboxEvent struct {
	ID   int64
	Body string
	// CreatedAt is when the commit wrote it; Attempts how many deliveries failed so far, and
	// RetryAt when it may be tried again (the zero time: at once).
	CreatedAt time.Time
	Attempts  int
	RetryAt   time.Time
	// Change is set for a status change kept by reference (Body is then empty), with
	// Execution the execution's stored row (nil if it is gone): the deliverer builds the
	// event from the two. Only what an event is built from is read of the row (events.Build:
	// the ARNs, name, input, output and start date); its other fields are zero.
	Change    *StatusChange
	Execution *Execution
}

// StatusChange is a status change of a Commit's execution, kept in the outbox by reference:
// its event is built at delivery from the execution's stored row and what is here, the parts
// of the row that a later commit (a redrive) may change. What never changes (the ARNs, name,
// start date, input; the output, which only a SUCCEEDED execution has and which nothing
// changes after) is read from the row. A chain execution's two events took about 1,800 bytes
// of outbox written whole (two ARNs each, and its input, escaped, twice and its output once);
// by reference they take about 200, and a large input or output is stored once, in its row.
// The retention purge rewrites the waiting changes of an execution it deletes whole first
// (store.Purge.Freeze).
type StatusChange struct {
	// EventID is the event's id, kept so that a delivery made again carries the same id.
	EventID       string
	Status        string
	StoppedAt     *time.Time
	Error, Cause  *string
	RedriveCount  int
	RedriveDate   *time.Time
	RedriveReason string
	// StartedEventID is set when the commit that made this change had started (or redriven)
	// the execution first: the RUNNING change before it, kept in the same row (JoinStarted),
	// with this id and StartedRedriveReason. Its other fields follow from this change's
	// (Started).
	StartedEventID, StartedRedriveReason string
}

// JoinStarted returns a commit's status changes as the outbox keeps them: a RUNNING change
// followed by another of the same redrive (an execution started or redriven and ended in
// one step) becomes one change, the second with the first in StartedEventID and
// StartedRedriveReason. Such a commit wrote two rows to the outbox, and the deliverer deleted
// two, where one now does: a chain start with its status changes went from 3,650–4,020 to
// 4,000–4,670 starts/s (BenchmarkStart, 64 clients; BENCHMARKS.md, 2026-12-07). Any other
// list is returned as it is.
func JoinStarted(cs []StatusChange) []StatusChange {
	if len(cs) != 2 {
		return cs
	}
	r, c := cs[0], cs[1]
	if r.Status != "RUNNING" || c.Status == "RUNNING" || r.StoppedAt != nil || r.Error != nil || r.Cause != nil || r.StartedEventID != "" ||
		c.StartedEventID != "" || r.RedriveCount != c.RedriveCount || !sameTime(r.RedriveDate, c.RedriveDate) {
		return cs
	}
	c.StartedEventID, c.StartedRedriveReason = r.EventID, r.RedriveReason
	return []StatusChange{c}
}

// Started returns the RUNNING change kept with c (StartedEventID), if it has one.
func (c *StatusChange) Started() (StatusChange, bool) {
	if c.StartedEventID == "" {
		return StatusChange{}, false
	}
	return StatusChange{EventID: c.StartedEventID, Status: "RUNNING", RedriveCount: c.RedriveCount,
		RedriveDate: c.RedriveDate, RedriveReason: c.StartedRedriveReason}, true
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// OutboxFeed is an Outbox that tells its deliverer what each commit wrote to it, once the
// commit is durable, so that the deliverer need not read back the events it was just told
// of (events.Deliverer). Only a store whose outbox this process alone writes offers it
// (SQLite: one process owns the file): a deliverer fed by it sends what it was told, in the
// order told, and reads the outbox only when it may hold more (at its start, after a
// failure, a lease lost, a feed that overflowed, and once a poll interval all the same).
type OutboxFeed interface {
	// FeedOutbox has fn called after each commit that wrote events to the outbox, with those
	// events in id order (ids larger than those of every event written before), each a whole
	// event (Body) or a status change with its execution's row (Change, Execution), as
	// HeadOutbox would return them. others is true when the outbox may have changed since
	// the last call otherwise than fn was told (another process committed to the store, or a
	// commit failed in a way that leaves its outcome unknown): what it was told is then not
	// all there is. fn is called on the store's writer: it must not block or call the store,
	// nor change evs, which every fn of the store is given. Set it before the first commit.
	FeedOutbox(fn func(evs []OutboxEvent, others bool))
}

// Outbox is the delivery side of the outbox, which both stores keep. One deliverer at a time
// holds the outbox's lease; it alone reads the oldest events, sends them, and deletes them or
// puts their retry off. Holding the whole outbox, rather than claiming each event, keeps the
// events in order and costs one small write per lease period instead of one per event.
type Outbox interface {
	// LeaseOutbox gives owner the outbox until the given time if it is free at now (never
	// held, released, lapsed, or owner's already), and reports whether owner holds it.
	LeaseOutbox(ctx context.Context, owner string, now, until time.Time) (bool, error)
	// ReleaseOutbox gives up owner's lease, if it holds it, for another to take at once.
	ReleaseOutbox(ctx context.Context, owner string) error
	// HeadOutbox returns the oldest events, up to limit, oldest first, whether their retry
	// is due or not: the holder sends none past one whose retry is not.
	HeadOutbox(ctx context.Context, limit int) ([]OutboxEvent, error)
	// DeleteOutbox removes delivered events (ids not found are ignored).
	DeleteOutbox(ctx context.Context, ids []int64) error
	// RetryOutbox records a failed delivery of the events: the attempts of each grow by one
	// and none is sent again before retryAt.
	RetryOutbox(ctx context.Context, ids []int64, retryAt time.Time) error
}
