package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const mapRunColumns = `arn, execution_arn, state_machine_arn, status, started_at, stopped_at, record`

// writeMapRuns stores the newest records of a step's map runs over the previous ones.
func writeMapRuns(ctx context.Context, tx *sql.Tx, runs []store.MapRun) error {
	for _, r := range runs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO map_runs (`+mapRunColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (arn) DO UPDATE SET status = excluded.status, stopped_at = excluded.stopped_at, record = excluded.record`,
			r.Arn, r.ExecutionArn, r.StateMachineArn, r.Status, nanos(r.StartedAt), nanosPtr(r.StoppedAt), r.Record); err != nil {
			return err
		}
	}
	return nil
}

func scanMapRun(r rowScanner, extra ...any) (*store.MapRun, error) {
	var m store.MapRun
	var started int64
	var stopped sql.NullInt64
	if err := r.Scan(append([]any{&m.Arn, &m.ExecutionArn, &m.StateMachineArn, &m.Status, &started, &stopped, &m.Record}, extra...)...); err != nil {
		return nil, err
	}
	m.StartedAt, m.StoppedAt = fromNanos(started), fromNanosPtr(stopped)
	return &m, nil
}

func (s *Store) GetMapRun(ctx context.Context, arn string) (*store.MapRun, error) {
	m, err := scanMapRun(s.r.QueryRowContext(ctx, `SELECT `+mapRunColumns+` FROM map_runs WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return m, err
}

// ListMapRuns lists an execution's map runs newest first; the token is the position of the
// last one returned.
func (s *Store) ListMapRuns(ctx context.Context, executionArn string, p store.Page) ([]*store.MapRun, string, error) {
	before := int64(1<<63 - 1)
	if p.Token != "" {
		var err error
		if before, err = page.DecodeInt("mr", p.Token); err != nil {
			return nil, "", err
		}
	}
	n := page.Limit(p.Limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+mapRunColumns+`, id FROM map_runs
		WHERE execution_arn = ? AND id < ? ORDER BY id DESC LIMIT ?`, executionArn, before, n+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var ms []*store.MapRun
	var last int64
	for rows.Next() {
		var id int64
		m, err := scanMapRun(rows, &id)
		if err != nil {
			return nil, "", err
		}
		if len(ms) < n {
			last = id
		}
		ms = append(ms, m)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(ms) > n {
		return ms[:n], page.EncodeInt("mr", last), nil
	}
	return ms, "", nil
}
