package store

import (
	"context"
	"time"
)

// OutboxEvent is an event waiting in the durable outbox: written by a Commit in the same
// transaction as the change it reports (Commit.Outbox), deleted once delivered. Delivery is
// at least once: a node that dies between the delivery and the delete leaves it to be sent
// again.
type OutboxEvent struct {
	ID   int64
	Body string
	// CreatedAt is when the commit wrote it; Attempts how many deliveries failed so far.
	CreatedAt time.Time
	Attempts  int
}

// Outbox is the delivery side of the outbox, which both stores keep.
type Outbox interface {
	// ClaimOutbox claims up to limit events whose claim has lapsed (at now), oldest first,
	// for one deliverer until the given time: another node claims them only after it.
	ClaimOutbox(ctx context.Context, now, until time.Time, limit int) ([]OutboxEvent, error)
	// DeleteOutbox removes delivered events (ids not found are ignored).
	DeleteOutbox(ctx context.Context, ids []int64) error
	// RetryOutbox records a failed delivery: the event's attempts grow by one and it can
	// be claimed again at retryAt.
	RetryOutbox(ctx context.Context, id int64, retryAt time.Time) error
}
