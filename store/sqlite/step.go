package sqlite

import (
	"context"
	"database/sql"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/commit"
)

// rowsPerInsert bounds the rows of one multi-row INSERT, well within SQLite's limit of
// 32766 parameters.
const rowsPerInsert = 500

// stmts are the statements every step runs, prepared once on the writer's connection:
// parsing them anew for each step took a sixth of the server's time under load.
type stmts struct {
	insertExecution, updateExecution     *sql.Stmt
	insertEvent, insertTimer, insertTask *sql.Stmt
	deleteTimer, deleteTask              *sql.Stmt
}

func prepareStmts(ctx context.Context, db *sql.DB) (*stmts, error) {
	var st stmts
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{
		{&st.insertExecution, `INSERT INTO executions (` + execColumns + `)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING RETURNING id`},
		{&st.updateExecution, `UPDATE executions SET status = ?, output = ?, error = ?, cause = ?,
			stopped_at = ?, state = ?, version = version + 1, last_event_id = ?, redrive_count = ?, redrive_date = ?
			WHERE arn = ? AND version = ? RETURNING id`},
		{&st.insertEvent, `INSERT INTO events (execution_id, id, type, body) VALUES (?, ?, ?, ?)`},
		{&st.insertTimer, `INSERT INTO timers (execution_id, id, due) VALUES (?, ?, ?)`},
		{&st.insertTask, `INSERT INTO tasks (execution_id, id, token, resource, body, created_at) VALUES (?, ?, ?, ?, ?, ?)`},
		{&st.deleteTimer, `DELETE FROM timers WHERE execution_id = ? AND id = ?`},
		{&st.deleteTask, `DELETE FROM tasks WHERE execution_id = ? AND id = ?`},
	} {
		var err error
		if *p.dst, err = db.PrepareContext(ctx, p.q); err != nil {
			st.close()
			return nil, err
		}
	}
	return &st, nil
}

func (st *stmts) close() {
	for _, s := range []*sql.Stmt{st.insertExecution, st.updateExecution, st.insertEvent, st.insertTimer, st.insertTask, st.deleteTimer, st.deleteTask} {
		if s != nil {
			s.Close()
		}
	}
}

// writeStep writes what a step produced besides the execution row: its events, and the
// timers and tasks it cancelled and set (cancellations first, so that a step may replace an
// id). Any failure fails the whole transaction.
func (s *Store) writeStep(ctx context.Context, tx *sql.Tx, execID int64, c store.Commit, evs []commit.Event) error {
	st := s.stmts
	if len(evs) > 0 {
		ins := tx.StmtContext(ctx, st.insertEvent)
		for _, e := range evs {
			if _, err := ins.ExecContext(ctx, execID, e.ID, e.Type, string(e.Body)); err != nil {
				return err
			}
		}
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
	return s.writeChildren(ctx, tx, c.Children)
}

// execEach runs a prepared statement n times in tx with args(i).
func execEach(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, n int, args func(i int) []any) error {
	if n == 0 {
		return nil
	}
	s := tx.StmtContext(ctx, stmt)
	for i := range n {
		if _, err := s.ExecContext(ctx, args(i)...); err != nil {
			return err
		}
	}
	return nil
}
