package sqlite

import (
	"context"
	"database/sql"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/chunk"
)

// rowsPerInsert bounds the rows of one multi-row INSERT, well within SQLite's limit of
// 32766 parameters.
const rowsPerInsert = 500

// stmts are the statements every step runs, prepared once on the writer's connection:
// parsing them anew for each step took a sixth of the server's time under load.
type stmts struct {
	insertExecution, updateExecution *sql.Stmt
	insertTimer, insertTask          *sql.Stmt
	deleteTimer, deleteTask          *sql.Stmt
	insertChunk, insertOutbox        *sql.Stmt
	insertChange                     *sql.Stmt
	deleteOutbox, outboxHead         *sql.Stmt
	// eventRows reads executions' rows for their status changes' events (executionsByID).
	eventRows *sql.Stmt
	// dataVersion reads PRAGMA data_version (checkOthers).
	dataVersion *sql.Stmt
	// insertChildren, updateChildren and insertChildChunks write rowsPerInsert Distributed
	// Map children (see writeChildren): parsing statements of that many rows anew took a
	// fifth of writing the children (BenchmarkChildren5000).
	insertChildren, updateChildren, insertChildChunks *sql.Stmt
	// savepoint, rollbackTo and release wrap each write of a group commit.
	savepoint, rollbackTo, release *sql.Stmt
}

func (st *stmts) all() []**sql.Stmt {
	return []**sql.Stmt{&st.insertExecution, &st.updateExecution, &st.insertTimer, &st.insertTask,
		&st.deleteTimer, &st.deleteTask, &st.insertChunk, &st.insertOutbox, &st.insertChange, &st.deleteOutbox, &st.outboxHead, &st.eventRows, &st.dataVersion,
		&st.insertChildren, &st.updateChildren, &st.insertChildChunks, &st.savepoint, &st.rollbackTo, &st.release}
}

func prepareStmts(ctx context.Context, db *sql.DB) (*stmts, error) {
	var st stmts
	queries := []struct {
		dst **sql.Stmt
		q   string
	}{
		{&st.insertExecution, `INSERT INTO executions (` + execColumns + `, lease_owner, lease_until)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING RETURNING id`},
		// An execution that ends gives up its lease in the same write (?1 is the status).
		{&st.updateExecution, `UPDATE executions SET status = ?,
			lease_owner = CASE WHEN ?1 = 'RUNNING' THEN lease_owner ELSE '' END,
			lease_until = CASE WHEN ?1 = 'RUNNING' THEN lease_until ELSE ` + freeText + ` END,
			output = ?, error = ?, cause = ?,
			stopped_at = ?, state = ?, version = version + 1, last_event_id = ` + overlapGuard + `, redrive_count = ?, redrive_date = ?
			WHERE arn = ? AND version = ? RETURNING id`},
		{&st.insertTimer, `INSERT INTO timers (execution_id, id, due) VALUES (?, ?, ?)`},
		{&st.insertTask, `INSERT INTO tasks (execution_id, id, token, resource, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`},
		{&st.deleteTimer, `DELETE FROM timers WHERE execution_id = ? AND id = ?`},
		{&st.deleteTask, `DELETE FROM tasks WHERE execution_id = ? AND id = ?`},
		{&st.insertChunk, `INSERT INTO event_chunks (execution_id, last_id, first_id, body) VALUES (?, ?, ?, ?)`},
		{&st.insertOutbox, `INSERT INTO outbox (body, created_at) VALUES (?, ?)`},
		{&st.insertChange, `INSERT INTO outbox (body, created_at, execution_id, ` + changeColumns + `)
			VALUES ('', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`},
		{&st.deleteOutbox, `DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))`},
		{&st.outboxHead, `SELECT id, body, created_at, attempts, retry_at, execution_id, ` + changeColumns + `
			FROM outbox ORDER BY id LIMIT ?`},
		{&st.eventRows, `SELECT ` + eventColumns + `, id FROM executions WHERE id IN (SELECT value FROM json_each(?))`},
		{&st.dataVersion, `PRAGMA data_version`},
		{&st.insertChildren, insertChildrenSQL(rowsPerInsert)},
		{&st.updateChildren, updateChildrenSQL(rowsPerInsert)},
		{&st.insertChildChunks, insertChunksSQL(rowsPerInsert)},
		{&st.savepoint, `SAVEPOINT w`},
		{&st.rollbackTo, `ROLLBACK TO w`},
		{&st.release, `RELEASE w`},
	}
	for _, p := range queries {
		var err error
		if *p.dst, err = db.PrepareContext(ctx, p.q); err != nil {
			st.close()
			return nil, err
		}
	}
	return &st, nil
}

func (st *stmts) close() {
	for _, s := range st.all() {
		if *s != nil {
			(*s).Close()
		}
	}
}

// writeStep writes what a step produced besides the execution row: its events, and the
// timers and tasks it cancelled and set (cancellations first, so that a step may replace an
// id). Any failure fails the whole transaction.
func (s *Store) writeStep(ctx context.Context, tx *sql.Tx, execID int64, c store.Commit, evs []chunk.Chunk) error {
	st := s.stmts
	if err := s.insertChunks(ctx, tx, execID, evs); err != nil {
		return err
	}
	if err := execEach(ctx, tx, st.deleteTimer, len(c.CancelTimers), func(i int) []any { return []any{execID, c.CancelTimers[i]} }); err != nil {
		return err
	}
	if err := execEach(ctx, tx, st.insertTimer, len(c.NewTimers), func(i int) []any {
		return []any{execID, c.NewTimers[i].ID, nanos(c.NewTimers[i].Due)}
	}); err != nil {
		return err
	}
	if err := execEach(ctx, tx, st.deleteTask, len(c.CancelTasks), func(i int) []any { return []any{execID, c.CancelTasks[i]} }); err != nil {
		return err
	}
	if err := execEach(ctx, tx, st.insertTask, len(c.NewTasks), func(i int) []any {
		t := c.NewTasks[i]
		return []any{execID, t.ID, t.Token, t.Resource, t.Body, nanos(t.CreatedAt)}
	}); err != nil {
		return err
	}
	if err := writeMapRuns(ctx, tx, c.MapRuns); err != nil {
		return err
	}
	if err := s.writeOutbox(ctx, tx, execID, &c); err != nil {
		return err
	}
	return s.writeChildren(ctx, tx, c.Children)
}

// insertChunks writes a step's events, usually one row.
func (s *Store) insertChunks(ctx context.Context, tx *sql.Tx, execID int64, cs []chunk.Chunk) error {
	return execEach(ctx, tx, s.stmts.insertChunk, len(cs), func(i int) []any { return []any{execID, cs[i].Last, cs[i].First, cs[i].Body} })
}

// execEach runs a prepared statement n times in tx with args(i).
func execEach(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, n int, args func(i int) []any) error {
	return execEachThen(ctx, tx, stmt, n, args, nil)
}

// execEachThen is execEach calling then, unless nil, with each run's result.
func execEachThen(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, n int, args func(i int) []any, then func(i int, res sql.Result) error) error {
	if n == 0 {
		return nil
	}
	s := tx.StmtContext(ctx, stmt)
	for i := range n {
		res, err := s.ExecContext(ctx, args(i)...)
		if err != nil {
			return err
		}
		if then != nil {
			if err := then(i, res); err != nil {
				return err
			}
		}
	}
	return nil
}
