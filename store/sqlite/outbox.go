package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// writeOutbox adds a step's events to deliver (migration 0014), in the step's transaction.
// Most steps have none: no statement then.
func writeOutbox(ctx context.Context, tx *sql.Tx, st *stmts, bodies []string) error {
	now := nanos(time.Now())
	return execEach(ctx, tx, st.insertOutbox, len(bodies), func(i int) []any { return []any{bodies[i], now} })
}

// LeaseOutbox takes or renews the lease (migration 0016); the single writer makes it
// exclusive.
func (s *Store) LeaseOutbox(ctx context.Context, owner string, now, until time.Time) (bool, error) {
	var held bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox_lease SET owner = ?1, until = ?2
			WHERE id = 1 AND (owner = ?1 OR owner = '' OR until <= ?3)`, owner, nanos(until), nanos(now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		held = n == 1
		return err
	})
	return held, err
}

func (s *Store) ReleaseOutbox(ctx context.Context, owner string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox_lease SET owner = '', until = 0 WHERE id = 1 AND owner = ?`, owner)
		return err
	})
}

// HeadOutbox reads on the writer, in the queue of writes (see write), though it changes
// nothing. A reader's connection drops its whole page cache whenever another connection has
// committed since its last read, which on a busy store is every time: each head read went
// to the file for the outbox's pages and the schema's. The writer's cache holds them, as it
// has just written them.
func (s *Store) HeadOutbox(ctx context.Context, limit int) ([]store.OutboxEvent, error) {
	var evs []store.OutboxEvent
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		evs = evs[:0]
		rows, err := tx.StmtContext(ctx, s.stmts.outboxHead).QueryContext(ctx, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var e store.OutboxEvent
			var created, retry int64
			if err := rows.Scan(&e.ID, &e.Body, &created, &e.Attempts, &retry); err != nil {
				return err
			}
			e.CreatedAt, e.RetryAt = fromNanos(created), fromNanos(retry)
			evs = append(evs, e)
		}
		return rows.Err()
	})
	return evs, err
}

// DeleteOutbox deletes in one statement, the ids passed as a JSON array.
func (s *Store) DeleteOutbox(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, s.stmts.deleteOutbox).ExecContext(ctx, string(list))
		return err
	})
}

func (s *Store) RetryOutbox(ctx context.Context, ids []int64, retryAt time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	list, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET attempts = attempts + 1, retry_at = ?
			WHERE id IN (SELECT value FROM json_each(?))`, nanos(retryAt), string(list))
		return err
	})
}
