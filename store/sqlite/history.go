package sqlite

import (
	"context"
	"database/sql"
	"math"

	"github.com/stepwise-run/stepwise/history"
)

// History returns events of an execution after afterID in ascending order, or when reverse
// before afterID (0: from the newest) in descending order; limit <= 0 means all.
// ErrNotFound when the execution does not exist.
func (s *Store) History(ctx context.Context, arn string, afterID int64, limit int, reverse bool) ([]history.Event, error) {
	q := `SELECT body FROM events WHERE execution_id = (SELECT id FROM executions WHERE arn = ?) AND id > ? ORDER BY id LIMIT ?`
	if reverse {
		q = `SELECT body FROM events WHERE execution_id = (SELECT id FROM executions WHERE arn = ?) AND id < ? ORDER BY id DESC LIMIT ?`
		if afterID <= 0 {
			afterID = math.MaxInt64
		}
	}
	evs, err := s.events(ctx, q, arn, afterID, limit)
	if err != nil || len(evs) > 0 {
		return evs, err
	}
	// None: an execution with nothing there, or no execution.
	_, err = s.GetExecution(ctx, arn)
	return evs, err
}

func (s *Store) events(ctx context.Context, q, arn string, afterID int64, n int) ([]history.Event, error) {
	rows, err := s.r.QueryContext(ctx, q, arn, afterID, limit(n))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var evs []history.Event
	if n > 0 {
		evs = make([]history.Event, 0, min(n, 1000))
	}
	for rows.Next() {
		// RawBytes are good until the next row: UnmarshalJSON copies what it keeps.
		var body sql.RawBytes
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		var e history.Event
		if err := e.UnmarshalJSON(body); err != nil {
			return nil, err
		}
		evs = append(evs, e)
	}
	return evs, rows.Err()
}
