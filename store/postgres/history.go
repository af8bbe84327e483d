package postgres

import (
	"context"
	"math"

	"github.com/stepwise-run/stepwise/history"
)

// History returns events of an execution after afterID in ascending order, or when reverse
// before afterID (0: from the newest) in descending order; limit <= 0 means all.
// ErrNotFound when the execution does not exist.
func (s *Store) History(ctx context.Context, arn string, afterID int64, limit int, reverse bool) ([]history.Event, error) {
	q := `SELECT body FROM events WHERE execution_id = (SELECT id FROM executions WHERE arn = $1) AND id > $2 ORDER BY id LIMIT $3`
	if reverse {
		q = `SELECT body FROM events WHERE execution_id = (SELECT id FROM executions WHERE arn = $1) AND id < $2 ORDER BY id DESC LIMIT $3`
		if afterID <= 0 {
			afterID = math.MaxInt64
		}
	}
	rows, err := s.pool.Query(ctx, q, arn, afterID, limitArg(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []history.Event
	if limit > 0 {
		evs = make([]history.Event, 0, min(limit, 1000))
	}
	for rows.Next() {
		// The json column's wire form, text or binary, is the JSON text; it is good until the
		// next row, and UnmarshalJSON copies what it keeps.
		var e history.Event
		if err := e.UnmarshalJSON(rows.RawValues()[0]); err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil || len(evs) > 0 {
		return evs, err
	}
	// None: an execution with nothing there, or no execution.
	_, err = s.GetExecution(ctx, arn)
	return evs, err
}

// limitArg is the argument for LIMIT: NULL, which is no limit, for a limit <= 0.
func limitArg(n int) any {
	if n <= 0 {
		return nil
	}
	return int64(n)
}
