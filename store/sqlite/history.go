package sqlite

import (
	"context"
	"database/sql"
	"math"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store/internal/chunk"
)

// The rows of an execution's events after an id, in order: the first row is the one holding
// the next event. Rows are keyed by their last event (migration 0010).
const historyAfter = `SELECT first_id, last_id, body FROM event_chunks
	WHERE execution_id = (SELECT id FROM executions WHERE arn = ?) AND last_id > ? ORDER BY last_id`

// The rows of an execution's events before an id, newest first: those that end before it,
// and the row holding the event just before it, which is the first row to end at or after it.
const historyBefore = `WITH x AS (SELECT id FROM executions WHERE arn = ?)
	SELECT first_id, last_id, body FROM event_chunks
	WHERE execution_id = (SELECT id FROM x) AND last_id <= coalesce(
		(SELECT min(last_id) FROM event_chunks WHERE execution_id = (SELECT id FROM x) AND last_id >= ?), 9223372036854775807)
	ORDER BY last_id DESC`

// History returns events of an execution after afterID in ascending order, or when reverse
// before afterID (0: from the newest) in descending order; limit <= 0 means all.
// ErrNotFound when the execution does not exist.
func (s *Store) History(ctx context.Context, arn string, afterID int64, limit int, reverse bool) ([]history.Event, error) {
	q := historyAfter
	if reverse {
		q = historyBefore
		if afterID <= 0 {
			afterID = math.MaxInt64
		}
	}
	evs, err := s.events(ctx, q, arn, afterID, limit, reverse)
	if err != nil || len(evs) > 0 {
		return evs, err
	}
	// None: an execution with nothing there, or no execution.
	_, err = s.GetExecution(ctx, arn)
	return evs, err
}

// events reads the rows of q and keeps up to n (all when n <= 0) of their events past
// bound: after it, or before it when reverse.
func (s *Store) events(ctx context.Context, q, arn string, bound int64, n int, reverse bool) ([]history.Event, error) {
	rows, err := s.r.QueryContext(ctx, q, arn, bound)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := chunk.NewPage(bound, n, reverse)
	for rows.Next() {
		// RawBytes are good until the next row: Add copies what it keeps.
		var (
			first, last int64
			body        sql.RawBytes
		)
		if err := rows.Scan(&first, &last, &body); err != nil {
			return nil, err
		}
		more, err := p.Add(first, last, body)
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	return p.Events(), rows.Err()
}
