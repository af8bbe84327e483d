package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/chunk"
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
// A step may start thousands of children: statements over arrays write them all, a round
// of them for each time a child comes again in the step (commit.ChildRounds), since one
// INSERT ... ON CONFLICT DO UPDATE may not update a row twice.
func queueChildren(b *pgx.Batch, children []store.ChildStep) error {
	for _, round := range commit.ChildRounds(children) {
		if err := queueChildRound(b, round); err != nil {
			return err
		}
	}
	return nil
}

// queueChildRound stores children, each once. As in Commit, a child's events must come
// after its stored ones: the first statement aborts the batch otherwise.
func queueChildRound(b *pgx.Batch, children []store.ChildStep) error {
	n := len(children)
	if n == 0 {
		return nil
	}
	arns, sms, names, statuses, inputs := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	outputs, errs, causes := make([]*string, n), make([]*string, n), make([]*string, n)
	started, stopped := make([]time.Time, n), make([]*time.Time, n)
	lasts, runs := make([]int64, n), make([]string, n)
	redrives, redriven := make([]int64, n), make([]*time.Time, n)
	var evArns, evBodies, firstArns []string
	var evLasts, evFirsts, firsts []int64
	for i, ch := range children {
		e := ch.Execution
		arns[i], sms[i], names[i], statuses[i], inputs[i] = e.Arn, e.StateMachineArn, e.Name, e.Status, e.Input
		outputs[i], errs[i], causes[i] = e.Output, e.Error, e.Cause
		started[i], stopped[i], lasts[i], runs[i] = e.StartedAt, e.StoppedAt, e.LastEventID, e.MapRunArn
		redrives[i], redriven[i] = int64(e.RedriveCount), e.RedriveDate
		cs, err := chunk.Make(ch.Events)
		if err != nil {
			return err
		}
		if len(cs) > 0 {
			firstArns, firsts = append(firstArns, e.Arn), append(firsts, chunk.FirstID(cs))
		}
		for _, c := range cs {
			evArns, evLasts, evFirsts, evBodies = append(evArns, e.Arn), append(evLasts, c.Last), append(evFirsts, c.First), append(evBodies, c.Body)
		}
	}
	if len(firsts) > 0 {
		b.Queue(`SELECT stepwise_fail('`+codeOverlap+`') FROM unnest($1::text[], $2::bigint[]) AS x (arn, first_id)
			JOIN executions e ON e.arn = x.arn WHERE e.last_event_id >= x.first_id`, firstArns, firsts)
	}
	b.Queue(`INSERT INTO executions (`+childColumns+`)
		SELECT x.arn, x.sm, x.name, x.status, x.input, x.output, x.error, x.cause, x.started, x.stopped,
			'', '', 1, x.last, '', '', x.run, 'infinity', x.redrives, x.redriven
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			$9::timestamptz[], $10::timestamptz[], $11::bigint[], $12::text[], $13::bigint[], $14::timestamptz[])
			AS x (arn, sm, name, status, input, output, error, cause, started, stopped, last, run, redrives, redriven)
		ON CONFLICT (arn) DO UPDATE SET status = excluded.status, output = excluded.output, error = excluded.error,
			cause = excluded.cause, stopped_at = excluded.stopped_at, last_event_id = excluded.last_event_id,
			redrive_count = GREATEST(executions.redrive_count, excluded.redrive_count),
			redrive_date = COALESCE(excluded.redrive_date, executions.redrive_date)`,
		arns, sms, names, statuses, inputs, outputs, errs, causes, started, stopped, lasts, runs, redrives, redriven)
	if len(evArns) > 0 {
		b.Queue(`INSERT INTO event_chunks (execution_id, last_id, first_id, body)
			SELECT e.id, x.last_id, x.first_id, x.body
			FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[]) AS x (arn, last_id, first_id, body)
			JOIN executions e ON e.arn = x.arn`,
			evArns, evLasts, evFirsts, evBodies)
	}
	return nil
}

// childColumns are the columns a Distributed Map child's row is created with (a redriven child's redrive_count and redrive_date only grow).
const childColumns = `arn, state_machine_arn, name, status, input, output, error, cause, started_at, stopped_at,
	parent_arn, state, version, last_event_id, version_arn, alias_arn, map_run_arn, lease_until, redrive_count, redrive_date`
