package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/commit"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const mapRunColumns = `arn, execution_arn, state_machine_arn, status, started_at, stopped_at, record`

// queueMapRuns stores the newest records of a step's map runs over the previous ones.
func queueMapRuns(b *pgx.Batch, runs []store.MapRun) {
	for _, r := range runs {
		b.Queue(`INSERT INTO map_runs (`+mapRunColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (arn) DO UPDATE SET status = excluded.status, stopped_at = excluded.stopped_at, record = excluded.record`,
			r.Arn, r.ExecutionArn, r.StateMachineArn, r.Status, r.StartedAt, r.StoppedAt, r.Record)
	}
}

func scanMapRun(r pgx.Row, extra ...any) (*store.MapRun, error) {
	var m store.MapRun
	if err := r.Scan(append([]any{&m.Arn, &m.ExecutionArn, &m.StateMachineArn, &m.Status, &m.StartedAt, &m.StoppedAt, &m.Record}, extra...)...); err != nil {
		return nil, err
	}
	m.StartedAt = m.StartedAt.UTC()
	if m.StoppedAt != nil {
		t := m.StoppedAt.UTC()
		m.StoppedAt = &t
	}
	return &m, nil
}

func (s *Store) GetMapRun(ctx context.Context, arn string) (*store.MapRun, error) {
	m, err := scanMapRun(s.pool.QueryRow(ctx, `SELECT `+mapRunColumns+` FROM map_runs WHERE arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
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
	rows, err := s.pool.Query(ctx, `SELECT `+mapRunColumns+`, id FROM map_runs
		WHERE execution_arn = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, executionArn, before, n+1)
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

// queueChildren stores a step's Distributed Map children: each row is created on first
// sight (parked, so that no runner leases it) and updated afterwards, and gets its events.
func queueChildren(b *pgx.Batch, children []store.ChildStep) error {
	for _, ch := range children {
		e := ch.Execution
		b.Queue(`INSERT INTO executions (`+execColumns+`, map_run_arn, lease_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, '', '', 1, $11, '', '', $12, 'infinity')
			ON CONFLICT (arn) DO UPDATE SET status = excluded.status, output = excluded.output, error = excluded.error,
				cause = excluded.cause, stopped_at = excluded.stopped_at, last_event_id = excluded.last_event_id`,
			e.Arn, e.StateMachineArn, e.Name, e.Status, e.Input, e.Output, e.Error, e.Cause,
			e.StartedAt, e.StoppedAt, e.LastEventID, e.MapRunArn)
		evs, err := commit.Events(store.Commit{Events: ch.Events})
		if err != nil {
			return err
		}
		queueEvents(b, e.Arn, evs)
	}
	return nil
}
