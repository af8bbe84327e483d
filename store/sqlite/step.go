package sqlite

import (
	"context"
	"database/sql"
	"strings"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/commit"
)

// rowsPerInsert bounds the rows of one multi-row INSERT, well within SQLite's limit of
// 32766 parameters.
const rowsPerInsert = 500

// writeStep writes what a step produced besides the execution row: its events, and the
// timers and tasks it cancelled and set (cancellations first, so that a step may replace an
// id). Any failure fails the whole transaction.
func writeStep(ctx context.Context, tx *sql.Tx, execID int64, c store.Commit, evs []commit.Event) error {
	err := insertRows(ctx, tx, `INSERT INTO events (execution_id, id, type, body) VALUES `, 4, len(evs),
		func(i int, args []any) []any {
			return append(args, execID, evs[i].ID, evs[i].Type, string(evs[i].Body))
		})
	if err != nil {
		return err
	}
	if err := deleteIDs(ctx, tx, "timers", execID, c.CancelTimers); err != nil {
		return err
	}
	err = insertRows(ctx, tx, `INSERT INTO timers (execution_id, id, due) VALUES `, 3, len(c.NewTimers),
		func(i int, args []any) []any {
			return append(args, execID, c.NewTimers[i].ID, nanos(c.NewTimers[i].Due))
		})
	if err != nil {
		return err
	}
	if err := deleteIDs(ctx, tx, "tasks", execID, c.CancelTasks); err != nil {
		return err
	}
	return insertRows(ctx, tx, `INSERT INTO tasks (execution_id, id, token, resource, body, created_at) VALUES `, 6, len(c.NewTasks),
		func(i int, args []any) []any {
			t := c.NewTasks[i]
			return append(args, execID, t.ID, t.Token, t.Resource, t.Body, nanos(t.CreatedAt))
		})
}

// insertRows inserts n rows of cols columns, rowsPerInsert to a statement; row appends
// row i's values to args.
func insertRows(ctx context.Context, tx *sql.Tx, insert string, cols, n int, row func(i int, args []any) []any) error {
	tuple := "(?" + strings.Repeat(", ?", cols-1) + ")"
	for start := 0; start < n; start += rowsPerInsert {
		end := min(n, start+rowsPerInsert)
		var q strings.Builder
		q.WriteString(insert)
		args := make([]any, 0, (end-start)*cols)
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString(tuple)
			args = row(i, args)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// deleteIDs deletes the rows of ids of an execution from table (timers or tasks).
func deleteIDs(ctx context.Context, tx *sql.Tx, table string, execID int64, ids []int64) error {
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE execution_id = ? AND id = ?`, execID, id); err != nil {
			return err
		}
	}
	return nil
}
