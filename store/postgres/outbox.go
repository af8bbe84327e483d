package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

// LeaseOutbox takes or renews the lease (migration 0016): an UPDATE of its one row, which
// PostgreSQL's row lock makes exclusive among nodes.
func (s *Store) LeaseOutbox(ctx context.Context, owner string, now, until time.Time) (bool, error) {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox_lease SET owner = $1, until = $2
		WHERE id = 1 AND (owner = $1 OR owner = '' OR until <= $3)`, owner, until, now)
	if err != nil {
		return false, err
	}
	return tag.RowsAffected() == 1, nil
}

func (s *Store) ReleaseOutbox(ctx context.Context, owner string) error {
	_, err := s.pool.Exec(ctx, `UPDATE outbox_lease SET owner = '', until = '-infinity' WHERE id = 1 AND owner = $1`, owner)
	return err
}

// HeadOutbox reads the oldest events. An id is taken from the sequence before its
// transaction commits, so a row with a smaller id may still appear after a larger one was
// read: events of different executions can go out in an order other than their commits'.
// An execution's own events cannot: each of its commits waits for the one before.
func (s *Store) HeadOutbox(ctx context.Context, limit int) ([]store.OutboxEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, body, created_at, attempts,
		CASE WHEN retry_at = '-infinity' THEN NULL ELSE retry_at END FROM outbox ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.OutboxEvent, error) {
		var e store.OutboxEvent
		var retry *time.Time
		err := r.Scan(&e.ID, &e.Body, &e.CreatedAt, &e.Attempts, &retry)
		e.CreatedAt = e.CreatedAt.UTC()
		if retry != nil {
			e.RetryAt = retry.UTC()
		}
		return e, err
	})
}

func (s *Store) DeleteOutbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE id = ANY($1::bigint[])`, ids)
	return err
}

func (s *Store) RetryOutbox(ctx context.Context, ids []int64, retryAt time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, retry_at = $2 WHERE id = ANY($1::bigint[])`, ids, retryAt)
	return err
}
