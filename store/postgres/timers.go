package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

const timerQuery = `SELECT e.arn, t.id, t.due FROM timers t JOIN executions e ON e.id = t.execution_id
	WHERE e.status = 'RUNNING' AND t.due <= $1 ORDER BY t.due, t.execution_id, t.id LIMIT $2`

// DueTimers returns the timers of running executions due at or before now, earliest first.
func (s *Store) DueTimers(ctx context.Context, now time.Time, n int) ([]store.Timer, error) {
	rows, err := s.pool.Query(ctx, timerQuery, now, limitArg(n))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Timer, error) { return scanTimer(r) })
}

// NextTimer returns the earliest timer of a running execution, or ErrNotFound.
func (s *Store) NextTimer(ctx context.Context) (store.Timer, error) {
	t, err := scanTimer(s.pool.QueryRow(ctx, timerQuery, infinity, 1))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, store.ErrNotFound
	}
	return t, err
}

// infinity stands for 'infinity' as a timestamptz argument.
var infinity = time.Date(294276, 1, 1, 0, 0, 0, 0, time.UTC)

func scanTimer(r pgx.Row) (store.Timer, error) {
	var t store.Timer
	if err := r.Scan(&t.ExecutionArn, &t.ID, &t.Due); err != nil {
		return store.Timer{}, err
	}
	t.Due = t.Due.UTC()
	return t, nil
}
