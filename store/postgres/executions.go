package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/chunk"
	"github.com/stepwise-run/stepwise/store/internal/commit"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const execColumns = `arn, state_machine_arn, name, status, input, output, error, cause, started_at, stopped_at,
	parent_arn, state, version, last_event_id, version_arn, alias_arn, redrive_count, redrive_date, revision_id, trace_header,
	trace_parent`

// execSelect is what reads of an execution select: execColumns, which new executions are
// stored with, and map_run_arn, which only Distributed Map children have.
const execSelect = execColumns + `, map_run_arn`

func scanExecution(r pgx.Row, extra ...any) (*store.Execution, error) {
	var e store.Execution
	dest := append([]any{&e.Arn, &e.StateMachineArn, &e.Name, &e.Status, &e.Input, &e.Output, &e.Error, &e.Cause,
		&e.StartedAt, &e.StoppedAt, &e.ParentArn, &e.State, &e.Version, &e.LastEventID, &e.VersionArn, &e.AliasArn,
		&e.RedriveCount, &e.RedriveDate, &e.RevisionID, &e.TraceHeader, &e.TraceParent, &e.MapRunArn}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	e.StartedAt = e.StartedAt.UTC()
	if e.StoppedAt != nil {
		t := e.StoppedAt.UTC()
		e.StoppedAt = &t
	}
	if e.RedriveDate != nil {
		t := e.RedriveDate.UTC()
		e.RedriveDate = &t
	}
	return &e, nil
}

// CreateExecution stores a new execution at version c.Execution.Version+1 with its first
// step; ErrExists when its ARN is taken. Starts that arrive together share one transaction
// (see createLoop): the call returns once the transaction holding its start has committed.
func (s *Store) CreateExecution(ctx context.Context, c store.Commit) error {
	if err := commit.Check(c); err != nil {
		return err
	}
	evs, err := chunk.Make(c.Events)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	if err := queueCreate(b, c, evs); err != nil {
		return err
	}
	r := &createReq{ctx: ctx, arn: c.Execution.Arn, batch: b, done: make(chan error, 1)}
	select {
	case s.creates <- r:
	case <-ctx.Done():
		return ctx.Err()
	case <-s.closing.Done():
		return errClosed
	}
	return <-r.done
}

// create runs one start's batch in a transaction of its own.
func (s *Store) create(ctx context.Context, b *pgx.Batch) error {
	err := s.pool.SendBatch(ctx, b).Close()
	if sqlState(err) == codeExists {
		return store.ErrExists
	}
	return err
}

// queueCreate queues a new execution and its first step: the execution row, whose
// INSERT ... ON CONFLICT DO NOTHING is the guard (a taken ARN aborts the transaction), then
// what queueStep writes.
func queueCreate(b *pgx.Batch, c store.Commit, evs []chunk.Chunk) error {
	e := c.Execution
	b.Queue(`WITH i AS (
			INSERT INTO executions (`+execColumns+`, lease_owner, lease_until)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22,
				CASE WHEN $23 THEN 'infinity' WHEN $22 = '' THEN '-infinity' ELSE $24::timestamptz END)
			ON CONFLICT (arn) DO NOTHING RETURNING id)
		SELECT coalesce((SELECT id FROM i), stepwise_fail('`+codeExists+`'))`,
		e.Arn, e.StateMachineArn, e.Name, e.Status, e.Input, e.Output, e.Error, e.Cause,
		e.StartedAt, e.StoppedAt, e.ParentArn, e.State, e.Version+1, commit.LastEventID(c), e.VersionArn, e.AliasArn,
		e.RedriveCount, e.RedriveDate, e.RevisionID, e.TraceHeader, e.TraceParent, c.Lease.Owner, c.Lease.Parked, c.Lease.Until)
	return queueStep(b, c, evs)
}

// Commit writes a step if the stored version is still c.Execution.Version, in one round
// trip: the batch runs as one implicit transaction, and its first statement aborts it when
// the version has moved, or when the step's events do not all come after the stored ones
// (rows keyed by their last event do not collide on every overlap, as rows of one event did).
func (s *Store) Commit(ctx context.Context, c store.Commit) error {
	if err := commit.Check(c); err != nil {
		return err
	}
	evs, err := chunk.Make(c.Events)
	if err != nil {
		return err
	}
	e := c.Execution
	b := &pgx.Batch{}
	b.Queue(`WITH u AS (
			UPDATE executions SET status = $1, output = $2, error = $3, cause = $4, stopped_at = $5, state = $6,
				lease_owner = CASE WHEN $1 = 'RUNNING' THEN lease_owner ELSE '' END,
				lease_until = CASE WHEN $1 = 'RUNNING' THEN lease_until ELSE '-infinity' END,
				version = version + 1, redrive_count = $10, redrive_date = $11,
				last_event_id = CASE WHEN last_event_id < $12 THEN $7 ELSE stepwise_fail('`+codeOverlap+`') END
			WHERE arn = $8 AND version = $9 RETURNING id)
		SELECT coalesce((SELECT id FROM u), stepwise_fail('`+codeGuard+`'))`,
		e.Status, e.Output, e.Error, e.Cause, e.StoppedAt, e.State, commit.LastEventID(c), e.Arn, e.Version,
		e.RedriveCount, e.RedriveDate, chunk.FirstID(evs))
	if err := queueStep(b, c, evs); err != nil {
		return err
	}
	err = s.pool.SendBatch(ctx, b).Close()
	switch sqlState(err) {
	case codeGuard:
		return s.missOrConflict(ctx, e.Arn)
	case codeOverlap:
		return overlapError(err)
	}
	return err
}

// missOrConflict tells why a guarded update of arn touched nothing.
func (s *Store) missOrConflict(ctx context.Context, arn string) error {
	var one int
	err := s.pool.QueryRow(ctx, `SELECT 1 FROM executions WHERE arn = $1`, arn).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return err
	}
	return store.ErrConflict
}

func (s *Store) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	e, err := scanExecution(s.pool.QueryRow(ctx, `SELECT `+execSelect+` FROM executions WHERE arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return e, err
}

// ListExecutions lists executions newest first, by the order in which they were stored; the
// token is the position of the last one returned.
func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter, p store.Page) ([]*store.Execution, string, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if p.Token != "" {
		before, err := page.DecodeInt("ex", p.Token)
		if err != nil {
			return nil, "", err
		}
		add("id < $%d", before)
	}
	if f.StateMachineArn != "" {
		add("state_machine_arn = $%d", f.StateMachineArn)
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.ParentArn != "" {
		add("parent_arn = $%d", f.ParentArn)
	}
	if f.VersionArn != "" {
		add("version_arn = $%d", f.VersionArn)
	}
	if f.AliasArn != "" {
		add("alias_arn = $%d", f.AliasArn)
	}
	if f.MapRunArn != "" {
		add("map_run_arn = $%d", f.MapRunArn)
	}
	if f.Redriven != nil {
		where = append(where, map[bool]string{true: "redrive_count > 0", false: "redrive_count = 0"}[*f.Redriven])
	}
	q := `SELECT ` + execSelect + `, id FROM executions`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	n := page.Limit(p.Limit)
	args = append(args, n+1)
	rows, err := s.pool.Query(ctx, q+fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args)), args...)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var es []*store.Execution
	var last int64
	for rows.Next() {
		var id int64
		e, err := scanExecution(rows, &id)
		if err != nil {
			return nil, "", err
		}
		if len(es) < n {
			last = id
		}
		es = append(es, e)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(es) > n {
		return es[:n], page.EncodeInt("ex", last), nil
	}
	return es, "", nil
}
