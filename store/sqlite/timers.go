package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// timerQuery walks timers_by_due in order and looks each timer's execution up: CROSS JOIN
// keeps SQLite from starting at the running executions instead (executions_by_status), which
// read every running execution and sorted their timers at each look, 100,000 of them when
// 100,000 executions sleep.
const timerQuery = `SELECT e.arn, t.id, t.due FROM timers t CROSS JOIN executions e ON e.id = t.execution_id
	WHERE e.status = 'RUNNING' AND t.due <= ? ORDER BY t.due, t.execution_id, t.id LIMIT ?`

// DueTimers returns the timers of running executions due at or before now, earliest first.
func (s *Store) DueTimers(ctx context.Context, now time.Time, n int) ([]store.Timer, error) {
	rows, err := s.reads.timers.QueryContext(ctx, nanos(now), limit(n))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []store.Timer
	for rows.Next() {
		t, err := scanTimer(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

// NextTimer returns the earliest timer of a running execution, or ErrNotFound.
func (s *Store) NextTimer(ctx context.Context) (store.Timer, error) {
	t, err := scanTimer(s.reads.timers.QueryRowContext(ctx, int64(math.MaxInt64), 1))
	if errors.Is(err, sql.ErrNoRows) {
		return t, store.ErrNotFound
	}
	return t, err
}

func scanTimer(r rowScanner) (store.Timer, error) {
	var t store.Timer
	var due int64
	if err := r.Scan(&t.ExecutionArn, &t.ID, &due); err != nil {
		return store.Timer{}, err
	}
	t.Due = fromNanos(due)
	return t, nil
}
