package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// writeOutbox adds a step's events to deliver (migration 0014), in the step's transaction.
// Most steps have none: no statement then.
func writeOutbox(ctx context.Context, tx *sql.Tx, bodies []string) error {
	if len(bodies) == 0 {
		return nil
	}
	now := nanos(time.Now())
	for _, b := range bodies {
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox (body, created_at) VALUES (?, ?)`, b, now); err != nil {
			return err
		}
	}
	return nil
}

// ClaimOutbox claims events; the single writer makes each claim exclusive.
// No event is claimed past one that is claimed or waits for its retry: events go out in order.
func (s *Store) ClaimOutbox(ctx context.Context, now, until time.Time, limit int) ([]store.OutboxEvent, error) {
	// A read first: an idle outbox, which a deliverer polls, then takes no turn of the
	// single writer.
	var one int
	err := s.r.QueryRowContext(ctx, `SELECT 1 FROM outbox WHERE claim_until <= ? LIMIT 1`, nanos(now)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var evs []store.OutboxEvent
	err = s.write(ctx, func(tx *sql.Tx) error {
		evs = evs[:0]
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET claim_until = ?1
			WHERE id IN (SELECT id FROM outbox WHERE claim_until <= ?2
				AND id < coalesce((SELECT min(id) FROM outbox WHERE claim_until > ?2), 9223372036854775807)
				ORDER BY id LIMIT ?3)
			RETURNING id, body, created_at, attempts`, nanos(until), nanos(now), limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e store.OutboxEvent
			var created int64
			if err := rows.Scan(&e.ID, &e.Body, &created, &e.Attempts); err != nil {
				return err
			}
			e.CreatedAt = fromNanos(created)
			evs = append(evs, e)
		}
		return rows.Err()
	})
	slices.SortFunc(evs, func(a, b store.OutboxEvent) int { return cmp.Compare(a.ID, b.ID) })
	return evs, err
}

func (s *Store) DeleteOutbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) RetryOutbox(ctx context.Context, id int64, retryAt time.Time) error {
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, claim_until = ? WHERE id = ?`, nanos(retryAt), id)
		return err
	})
}
