package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

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

func scanExecution(r rowScanner, extra ...any) (*store.Execution, error) {
	var e store.Execution
	var output, errStr, cause sql.NullString
	var started int64
	var stopped, redriven sql.NullInt64
	dest := append([]any{&e.Arn, &e.StateMachineArn, &e.Name, &e.Status, &e.Input, &output, &errStr, &cause,
		&started, &stopped, &e.ParentArn, &e.State, &e.Version, &e.LastEventID, &e.VersionArn, &e.AliasArn,
		&e.RedriveCount, &redriven, &e.RevisionID, &e.TraceHeader, &e.TraceParent, &e.MapRunArn}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	e.Output, e.Error, e.Cause = fromStr(output), fromStr(errStr), fromStr(cause)
	e.StartedAt, e.StoppedAt = fromNanos(started), fromNanosPtr(stopped)
	e.RedriveDate = fromNanosPtr(redriven)
	return &e, nil
}

// CreateExecution stores a new execution at version c.Execution.Version+1 with its first
// step; ErrExists when its ARN is taken.
func (s *Store) CreateExecution(ctx context.Context, c store.Commit) error {
	if err := commit.Check(c); err != nil {
		return err
	}
	evs, err := chunk.Make(c.Events)
	if err != nil {
		return err
	}
	e := c.Execution
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var id int64
		err := tx.StmtContext(ctx, s.stmts.insertExecution).QueryRowContext(ctx,
			e.Arn, e.StateMachineArn, e.Name, e.Status, e.Input, str(e.Output), str(e.Error), str(e.Cause),
			nanos(e.StartedAt), nanosPtr(e.StoppedAt), e.ParentArn, e.State, e.Version+1, commit.LastEventID(c),
			e.VersionArn, e.AliasArn, e.RedriveCount, nanosPtr(e.RedriveDate), e.RevisionID, e.TraceHeader, e.TraceParent,
			c.Lease.Owner, leaseUntil(c.Lease),
		).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrExists
		}
		if err != nil {
			return err
		}
		return s.writeStep(ctx, tx, id, c, evs)
	})
}

// leaseUntil is lease_until for a new execution's lease.
func leaseUntil(l store.Lease) int64 {
	switch {
	case l.Parked:
		return parked
	case l.Owner == "":
		return free
	}
	return nanos(l.Until)
}

// Commit writes a step if the stored version is still c.Execution.Version.
func (s *Store) Commit(ctx context.Context, c store.Commit) error {
	if err := commit.Check(c); err != nil {
		return err
	}
	evs, err := chunk.Make(c.Events)
	if err != nil {
		return err
	}
	e := c.Execution
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var id int64
		err := tx.StmtContext(ctx, s.stmts.updateExecution).QueryRowContext(ctx,
			e.Status, str(e.Output), str(e.Error), str(e.Cause), nanosPtr(e.StoppedAt), e.State, chunk.FirstID(evs), commit.LastEventID(c),
			e.RedriveCount, nanosPtr(e.RedriveDate), e.Arn, e.Version,
		).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return missOrConflict(ctx, tx, e.Arn)
		}
		if err != nil {
			return overlapError(err, chunk.FirstID(evs))
		}
		return s.writeStep(ctx, tx, id, c, evs)
	})
}

// missOrConflict tells why a guarded update of arn touched nothing.
func missOrConflict(ctx context.Context, tx *sql.Tx, arn string) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM executions WHERE arn = ?`, arn).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return err
	}
	return store.ErrConflict
}

func (s *Store) GetExecution(ctx context.Context, arn string) (*store.Execution, error) {
	e, err := scanExecution(s.reads.execution.QueryRowContext(ctx, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return e, err
}

// ListExecutions lists executions newest first, by the order in which they were stored; the
// token is the position of the last one returned.
func (s *Store) ListExecutions(ctx context.Context, f store.ExecutionFilter, p store.Page) ([]*store.Execution, string, error) {
	var where []string
	var args []any
	if p.Token != "" {
		before, err := page.DecodeInt("ex", p.Token)
		if err != nil {
			return nil, "", err
		}
		where, args = append(where, "id < ?"), append(args, before)
	}
	for _, c := range []struct{ col, val string }{
		{"state_machine_arn", f.StateMachineArn}, {"status", f.Status}, {"parent_arn", f.ParentArn},
		{"version_arn", f.VersionArn}, {"alias_arn", f.AliasArn}, {"map_run_arn", f.MapRunArn},
	} {
		if c.val != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.val)
		}
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
	rows, err := s.r.QueryContext(ctx, q+` ORDER BY id DESC LIMIT ?`, args...)
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
