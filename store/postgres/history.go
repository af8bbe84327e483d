package postgres

import (
	"context"
	"math"

	"github.com/stepwise-run/stepwise/history"
	"github.com/stepwise-run/stepwise/store/internal/chunk"
)

// The rows of an execution's events after an id, in order: the first row is the one holding
// the next event (rows are keyed by their last event, migration 0010), and every row holds
// one at least, so a page of n events is in the first n rows.
const historyAfter = `SELECT first_id, last_id, body FROM event_chunks
	WHERE execution_id = (SELECT id FROM executions WHERE arn = $1) AND last_id > $2 ORDER BY last_id LIMIT $3`

// The rows of an execution's events before an id, newest first: those that end before it,
// and the row holding the event just before it, which is the first row to end at or after it
// (unless that row starts at the id, and holds none of the page).
const historyBefore = `WITH x AS (SELECT id FROM executions WHERE arn = $1)
	SELECT first_id, last_id, body FROM event_chunks
	WHERE execution_id = (SELECT id FROM x) AND first_id < $2 AND last_id <= coalesce(
		(SELECT min(last_id) FROM event_chunks WHERE execution_id = (SELECT id FROM x) AND last_id >= $2), 9223372036854775807)
	ORDER BY last_id DESC LIMIT $3`

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
	rows, err := s.pool.Query(ctx, q, arn, afterID, limitArg(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	p := chunk.NewPage(afterID, limit, reverse)
	for rows.Next() {
		var first, last int64
		if err := rows.Scan(&first, &last, nil); err != nil {
			return nil, err
		}
		// The body's wire form, text or binary, is the text; it is good until the next row,
		// and Add copies what it keeps.
		more, err := p.Add(first, last, rows.RawValues()[2])
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if evs := p.Events(); len(evs) > 0 {
		return evs, nil
	}
	// None: an execution with nothing there, or no execution.
	_, err = s.GetExecution(ctx, arn)
	return p.Events(), err
}

// limitArg is the argument for LIMIT: NULL, which is no limit, for a limit <= 0.
func limitArg(n int) any {
	if n <= 0 {
		return nil
	}
	return int64(n)
}
