package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/chunk"
	"github.com/stepwise-run/stepwise/store/internal/commit"
)

// childColumns are the columns a Distributed Map child's row is created with (a redriven child's redrive_count and redrive_date only grow).
const childColumns = `arn, state_machine_arn, name, status, input, output, error, cause, started_at, stopped_at,
	parent_arn, state, version, last_event_id, version_arn, alias_arn, map_run_arn, lease_until, redrive_count, redrive_date`

// A statement writes the rows of up to rowsPerInsert children (14 parameters each for a new
// row, well within SQLite's 32766) or chunks, and of about statementBytes of their inputs,
// outputs or events: SQLite copies what is bound, and a few hundred children of 256 KiB
// each would be that many times as much at once.
const statementBytes = 4 << 20

// childRow is a child of the step being written, with its events as rows and, once written,
// its row's id.
type childRow struct {
	e   *store.Execution
	evs []chunk.Chunk
	id  int64
}

// writeChildren stores a step's Distributed Map children: each row is created on first
// sight (parked, so that no runner leases it) and updated afterwards, and gets its events.
// A step may start thousands of children: they are written a few hundred to a statement,
// since a statement for each was half of a large run's CPU, a round of them for each time a
// child comes again in the step (commit.ChildRounds).
func (s *Store) writeChildren(ctx context.Context, tx *sql.Tx, children []store.ChildStep) error {
	if len(children) == 0 {
		return nil
	}
	for _, round := range commit.ChildRounds(children) {
		if err := s.writeChildRound(ctx, tx, round); err != nil {
			return err
		}
	}
	return nil
}

// writeChildRound writes children, each once. A child's row is created by an INSERT, and
// updated by an UPDATE guarded as Commit's is. A child's first step carries its input: the
// children with one are inserted first and the others updated, and a child found to be the
// other kind is then written the other way, so the guess saves work and decides nothing.
func (s *Store) writeChildRound(ctx context.Context, tx *sql.Tx, children []store.ChildStep) error {
	rows := make([]childRow, len(children))
	byArn := make(map[string]*childRow, len(children))
	var fresh, stored []*childRow
	for i := range children {
		evs, err := chunk.Make(children[i].Events)
		if err != nil {
			return err
		}
		r := &rows[i]
		*r = childRow{e: &children[i].Execution, evs: evs}
		byArn[r.e.Arn] = r
		if r.e.Input != "" {
			fresh = append(fresh, r)
		} else {
			stored = append(stored, r)
		}
	}
	if err := eachStatement(fresh, childBytes, func(rs []*childRow) error { return s.insertChildren(ctx, tx, rs, byArn) }); err != nil {
		return err
	}
	stored = append(stored, unwritten(fresh)...)
	if err := eachStatement(stored, childBytes, func(rs []*childRow) error { return s.updateChildren(ctx, tx, rs, byArn) }); err != nil {
		return err
	}
	rest := unwritten(stored)
	if err := eachStatement(rest, childBytes, func(rs []*childRow) error { return s.insertChildren(ctx, tx, rs, byArn) }); err != nil {
		return err
	}
	if left := unwritten(rest); len(left) > 0 {
		return fmt.Errorf("store: child %s was neither created nor updated", left[0].e.Arn)
	}
	return s.insertChildChunks(ctx, tx, rows)
}

// insertChildren creates the rows of those of rs that have none.
func (s *Store) insertChildren(ctx context.Context, tx *sql.Tx, rs []*childRow, byArn map[string]*childRow) error {
	args := make([]any, 0, 14*len(rs))
	for _, r := range rs {
		e := r.e
		args = append(args, e.Arn, e.StateMachineArn, e.Name, e.Status, e.Input, str(e.Output), str(e.Error), str(e.Cause),
			nanos(e.StartedAt), nanosPtr(e.StoppedAt), e.LastEventID, e.MapRunArn, e.RedriveCount, nanosPtr(e.RedriveDate))
	}
	return returningIDs(ctx, tx, s.stmts.insertChildren, insertChildrenSQL, len(rs), args, byArn)
}

func insertChildrenSQL(n int) string {
	return `INSERT INTO executions (` + childColumns + `) VALUES ` +
		rowsOf(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', 1, ?, '', '', ?, `+parkedText+`, ?, ?)`, n) + `
		ON CONFLICT (arn) DO NOTHING RETURNING arn, id`
}

// updateChildren updates the rows of those of rs that have one. A child's events must come
// after its stored ones (overlapGuard): when one's do not, the statement fails, and the
// children are tried one at a time to tell which.
func (s *Store) updateChildren(ctx context.Context, tx *sql.Tx, rs []*childRow, byArn map[string]*childRow) error {
	args := make([]any, 0, 10*len(rs))
	for _, r := range rs {
		e := r.e
		args = append(args, e.Arn, e.Status, str(e.Output), str(e.Error), str(e.Cause), nanosPtr(e.StoppedAt),
			chunk.FirstID(r.evs), e.LastEventID, e.RedriveCount, nanosPtr(e.RedriveDate))
	}
	err := returningIDs(ctx, tx, s.stmts.updateChildren, updateChildrenSQL, len(rs), args, byArn)
	if !isOverlap(err) {
		return err
	}
	if len(rs) == 1 {
		return overlapError(err, chunk.FirstID(rs[0].evs))
	}
	for i := range rs {
		if err := s.updateChildren(ctx, tx, rs[i:i+1], byArn); err != nil {
			return err
		}
	}
	return err // not expected: no child alone was refused
}

func updateChildrenSQL(n int) string {
	return `WITH x (arn, status, output, error, cause, stopped_at, first_id, last_id, redrive_count, redrive_date)
		AS (VALUES ` + rowsOf(`(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, n) + `)
		UPDATE executions SET status = x.status, output = x.output, error = x.error, cause = x.cause, stopped_at = x.stopped_at,
			last_event_id = CASE WHEN executions.last_event_id < x.first_id THEN x.last_id END,
			redrive_count = max(executions.redrive_count, x.redrive_count), redrive_date = coalesce(x.redrive_date, executions.redrive_date)
		FROM x WHERE executions.arn = x.arn RETURNING arn, id`
}

// insertChildChunks writes the events of the children, whose rows are written.
func (s *Store) insertChildChunks(ctx context.Context, tx *sql.Tx, rows []childRow) error {
	type chunkRow struct {
		id int64
		c  *chunk.Chunk
	}
	var cs []chunkRow
	for i := range rows {
		for j := range rows[i].evs {
			cs = append(cs, chunkRow{rows[i].id, &rows[i].evs[j]})
		}
	}
	return eachStatement(cs, func(c chunkRow) int { return len(c.c.Body) }, func(cs []chunkRow) error {
		args := make([]any, 0, 4*len(cs))
		for _, c := range cs {
			args = append(args, c.id, c.c.Last, c.c.First, c.c.Body)
		}
		var err error
		if len(cs) == rowsPerInsert {
			_, err = tx.StmtContext(ctx, s.stmts.insertChildChunks).ExecContext(ctx, args...)
		} else {
			_, err = tx.ExecContext(ctx, insertChunksSQL(len(cs)), args...)
		}
		return err
	})
}

func insertChunksSQL(n int) string {
	return `INSERT INTO event_chunks (execution_id, last_id, first_id, body) VALUES ` + rowsOf(`(?, ?, ?, ?)`, n)
}

// returningIDs runs the statement of len(args)/rowsPerInsert rows, whose rows are (arn, id),
// and records each id on its child: full, the statement prepared, else q(rows).
func returningIDs(ctx context.Context, tx *sql.Tx, full *sql.Stmt, q func(n int) string, n int, args []any, byArn map[string]*childRow) error {
	var rows *sql.Rows
	var err error
	if n == rowsPerInsert {
		rows, err = tx.StmtContext(ctx, full).QueryContext(ctx, args...)
	} else {
		rows, err = tx.QueryContext(ctx, q(n), args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var arn string
		var id int64
		if err := rows.Scan(&arn, &id); err != nil {
			return err
		}
		if r := byArn[arn]; r != nil {
			r.id = id
		}
	}
	return rows.Err()
}

// eachStatement calls fn with xs in consecutive parts of at most rowsPerInsert items and,
// unless one item alone is more, statementBytes of size.
func eachStatement[T any](xs []T, size func(T) int, fn func([]T) error) error {
	for len(xs) > 0 {
		n, bytes := 0, 0
		for n < len(xs) && n < rowsPerInsert && (n == 0 || bytes+size(xs[n]) <= statementBytes) {
			bytes += size(xs[n])
			n++
		}
		if err := fn(xs[:n]); err != nil {
			return err
		}
		xs = xs[n:]
	}
	return nil
}

// childBytes is the size of what a child's row binds beyond its fixed columns.
func childBytes(r *childRow) int {
	e := r.e
	n := len(e.Input)
	for _, p := range []*string{e.Output, e.Error, e.Cause} {
		if p != nil {
			n += len(*p)
		}
	}
	return n
}

// unwritten are those of rs that have no id yet.
func unwritten(rs []*childRow) []*childRow {
	var out []*childRow
	for _, r := range rs {
		if r.id == 0 {
			out = append(out, r)
		}
	}
	return out
}

// rowsOf is n rows of VALUES.
func rowsOf(row string, n int) string {
	var b strings.Builder
	b.Grow(n * (len(row) + 2))
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return b.String()
}
