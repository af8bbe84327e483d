package postgres

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

// outboxLock is the advisory lock one claim of the outbox holds for its transaction.
const outboxLock = 0x5374_6570_4f75_7442 // "StepOutB"

// ClaimOutbox claims events. No event is claimed past one that is claimed or waits for its
// retry, so that events go out in order; the advisory lock makes claims of several nodes
// take turns (one that finds another claiming gets nothing, as it would once that claim
// is made).
func (s *Store) ClaimOutbox(ctx context.Context, now, until time.Time, limit int) ([]store.OutboxEvent, error) {
	var evs []store.OutboxEvent
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var mine bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(outboxLock)).Scan(&mine); err != nil || !mine {
			return err
		}
		rows, err := tx.Query(ctx, `WITH c AS (
				SELECT id FROM outbox WHERE claim_until <= $2
					AND id < coalesce((SELECT min(id) FROM outbox WHERE claim_until > $2), 9223372036854775807)
				ORDER BY id LIMIT $3
			)
			UPDATE outbox o SET claim_until = $1 FROM c WHERE o.id = c.id
			RETURNING o.id, o.body, o.created_at, o.attempts`, until, now, limit)
		if err != nil {
			return err
		}
		evs, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.OutboxEvent, error) {
			var e store.OutboxEvent
			err := r.Scan(&e.ID, &e.Body, &e.CreatedAt, &e.Attempts)
			e.CreatedAt = e.CreatedAt.UTC()
			return e, err
		})
		return err
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
