package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/stepwise-run/stepwise/store"
)

// purgeSelect finds the oldest closed executions to delete. Its conditions repeat the partial
// index executions_closed's (migration 0012), so that SQLite reads that index in stop-date
// order and stops after the limit: a batch costs the same on a table of a million rows.
// INDEXED BY: the planner, left to itself, read executions_by_status and sorted. %s is
// keepWaiting when the purge keeps executions whose status changes wait (store.Purge.Freeze
// nil), else nothing.
const purgeSelect = `SELECT id, arn FROM executions INDEXED BY executions_closed
	WHERE status IN ('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED') AND map_run_arn = ''
	  AND stopped_at < ? AND (status = 'SUCCEEDED' OR stopped_at < ?)
	  %s
	ORDER BY stopped_at LIMIT ?`

// keepWaiting leaves out executions with status changes waiting in the outbox
// (outbox_by_execution, migration 0021).
const keepWaiting = `AND NOT EXISTS (SELECT 1 FROM outbox WHERE execution_id = executions.id)`

// purgeChildren lists a map run's children (executions_by_map_run, whose condition it repeats).
const purgeChildren = `SELECT id, arn FROM executions WHERE map_run_arn = ? AND map_run_arn <> ''`

// purgeDeletes delete an execution's rows; each is by a primary key or an index prefix. The
// arguments are the execution's id and ARN.
var purgeDeletes = []string{
	`DELETE FROM event_chunks WHERE execution_id = ?1`,
	`DELETE FROM timers WHERE execution_id = ?1`,
	`DELETE FROM tasks WHERE execution_id = ?1`,
	`DELETE FROM tags WHERE resource_arn = ?2`,
	`DELETE FROM map_runs WHERE execution_arn = ?2`,
	`DELETE FROM executions WHERE id = ?1`,
}

// PurgeExecutions deletes closed executions with their rows and their Distributed Map
// children, in one write, until p.Limit executions (children included) are deleted. SQLite has one writer per file, so no other node
// purges at the same time.
func (s *Store) PurgeExecutions(ctx context.Context, p store.Purge) (int, error) {
	n := 0
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		type victim struct {
			id  int64
			arn string
		}
		cond := ""
		if p.Freeze == nil {
			cond = keepWaiting
		}
		rows, err := tx.QueryContext(ctx, fmt.Sprintf(purgeSelect, cond), nanos(p.Before), nanos(p.RedrivableBefore), limit(p.Limit))
		if err != nil {
			return err
		}
		var vs []victim
		for rows.Next() {
			var v victim
			if err := rows.Scan(&v.id, &v.arn); err != nil {
				rows.Close()
				return err
			}
			vs = append(vs, v)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(vs) == 0 {
			return nil
		}
		dels := make([]*sql.Stmt, len(purgeDeletes))
		for i, q := range purgeDeletes {
			if dels[i], err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			defer dels[i].Close()
		}
		runs, err := tx.PrepareContext(ctx, `SELECT arn FROM map_runs WHERE execution_arn = ?`)
		if err != nil {
			return err
		}
		defer runs.Close()
		children, err := tx.PrepareContext(ctx, purgeChildren)
		if err != nil {
			return err
		}
		defer children.Close()
		del := func(v victim) error {
			for _, st := range dels {
				if _, err := st.ExecContext(ctx, v.id, v.arn); err != nil {
					return err
				}
			}
			return nil
		}
		for _, v := range vs {
			if n >= limit(p.Limit) && p.Limit > 0 {
				break // the children of the parents before took the batch
			}
			runArns, err := strings1(ctx, runs, v.arn)
			if err != nil {
				return err
			}
			for _, run := range runArns {
				rows, err := children.QueryContext(ctx, run)
				if err != nil {
					return err
				}
				var cs []victim
				for rows.Next() {
					var c victim
					if err := rows.Scan(&c.id, &c.arn); err != nil {
						rows.Close()
						return err
					}
					cs = append(cs, c)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				for _, c := range cs {
					if err := del(c); err != nil {
						return err
					}
				}
				n += len(cs)
			}
			if p.Freeze != nil {
				if err := freezeChanges(ctx, tx, s.stmts, v.id, p.Freeze); err != nil {
					return err
				}
			}
			if err := del(v); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

// strings1 runs a query of one text column.
func strings1(ctx context.Context, st *sql.Stmt, args ...any) ([]string, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// waitingChanges reads an execution's status changes waiting in the outbox.
const waitingChanges = `SELECT id, ` + changeColumns + ` FROM outbox WHERE execution_id = ?`

// freezeChanges rewrites whole the status changes of execution id still waiting in the
// outbox (store.Purge.Freeze), before the execution is deleted.
func freezeChanges(ctx context.Context, tx *sql.Tx, st *stmts, id int64, freeze func(*store.StatusChange, *store.Execution) string) error {
	rows, err := tx.QueryContext(ctx, waitingChanges, id)
	if err != nil {
		return err
	}
	type waiting struct {
		id int64
		c  store.StatusChange
	}
	var ws []waiting
	for rows.Next() {
		var w waiting
		var cs changeScan
		if err := rows.Scan(append([]any{&w.id}, cs.dests()...)...); err != nil {
			rows.Close()
			return err
		}
		w.c = cs.change()
		ws = append(ws, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ws) == 0 {
		return err
	}
	byID, err := executionsByID(ctx, tx, st, []int64{id})
	if err != nil {
		return err
	}
	row := byID[id]
	if row == nil {
		return fmt.Errorf("freeze status changes: execution %d not found", id) // being deleted: cannot be
	}
	for _, w := range ws {
		if _, err := tx.ExecContext(ctx, `UPDATE outbox SET body = ?, execution_id = NULL WHERE id = ?`, freeze(&w.c, row), w.id); err != nil {
			return err
		}
	}
	return nil
}
