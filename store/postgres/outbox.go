package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

// ClaimOutbox claims events; SKIP LOCKED lets several nodes claim at once without waiting
// on each other, each getting other rows.
func (s *Store) ClaimOutbox(ctx context.Context, now, until time.Time, limit int) ([]store.OutboxEvent, error) {
	rows, err := s.pool.Query(ctx, `WITH c AS (
			SELECT id FROM outbox WHERE claim_until <= $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED
		)
		UPDATE outbox o SET claim_until = $1 FROM c WHERE o.id = c.id
		RETURNING o.id, o.body, o.created_at, o.attempts`, until, now, limit)
	if err != nil {
		return nil, err
	}
	evs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.OutboxEvent, error) {
		var e store.OutboxEvent
		err := r.Scan(&e.ID, &e.Body, &e.CreatedAt, &e.Attempts)
		e.CreatedAt = e.CreatedAt.UTC()
		return e, err
	})
	slices.SortFunc(evs, func(a, b store.OutboxEvent) int { return cmp.Compare(a.ID, b.ID) })
	return evs, err
}

func (s *Store) DeleteOutbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM outbox WHERE id = ANY($1::bigint[])`, ids)
	return err
}

func (s *Store) RetryOutbox(ctx context.Context, id int64, retryAt time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, claim_until = $2 WHERE id = $1`, id, retryAt)
	return err
}
