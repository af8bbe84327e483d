package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/chunk"
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

// writeChildren stores a step's Distributed Map children: each row is created on first
// sight (parked, so that no runner leases it) and updated afterwards, and gets its events.
// A step may start thousands of children: the statements are prepared once per step.
func (s *Store) writeChildren(ctx context.Context, tx *sql.Tx, children []store.ChildStep) error {
	if len(children) == 0 {
		return nil
	}
	upsert, err := tx.PrepareContext(ctx, `INSERT INTO executions (`+childColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 1, ?, '', '', ?, ?, ?, ?)
		ON CONFLICT (arn) DO UPDATE SET status = excluded.status, output = excluded.output, error = excluded.error,
			cause = excluded.cause, stopped_at = excluded.stopped_at, last_event_id = CASE WHEN last_event_id < ? THEN excluded.last_event_id END,
			redrive_count = max(redrive_count, excluded.redrive_count), redrive_date = coalesce(excluded.redrive_date, redrive_date)
		RETURNING id`)
	if err != nil {
		return err
	}
	defer upsert.Close()
	for _, ch := range children {
		e := ch.Execution
		evs, err := chunk.Make(ch.Events)
		if err != nil {
			return err
		}
		var id int64
		if err := upsert.QueryRowContext(ctx,
			e.Arn, e.StateMachineArn, e.Name, e.Status, e.Input, str(e.Output), str(e.Error), str(e.Cause),
			nanos(e.StartedAt), nanosPtr(e.StoppedAt), e.LastEventID, e.MapRunArn, int64(parked),
			e.RedriveCount, nanosPtr(e.RedriveDate), chunk.FirstID(evs)).Scan(&id); err != nil {
			return overlapError(err, chunk.FirstID(evs))
		}
		if err := s.insertChunks(ctx, tx, id, evs); err != nil {
			return err
		}
	}
	return nil
}

// childColumns are the columns a Distributed Map child's row is created with (a redriven child's redrive_count and redrive_date only grow).
const childColumns = `arn, state_machine_arn, name, status, input, output, error, cause, started_at, stopped_at,
	parent_arn, state, version, last_event_id, version_arn, alias_arn, map_run_arn, lease_until, redrive_count, redrive_date`
