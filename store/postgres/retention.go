package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

// purgeLock is the key of the advisory lock that a node holds while it purges a batch:
// several nodes share the database, and one at a time purges. The lock is held by the
// batch's transaction (pg_try_advisory_xact_lock), so a node that dies mid-batch frees it
// with its connection, and nothing has to be cleaned up.
const purgeLock = 0x5374_6570_5075_7267 // "StepPurg"

// purgeSelect finds the oldest closed executions to delete. Its conditions repeat the partial
// index executions_closed's (migration 0012), so that PostgreSQL reads that index in
// stop-date order and stops after the limit. %s is keepWaiting when the purge keeps executions
// whose status changes wait (store.Purge.Freeze nil), else nothing.
const purgeSelect = `SELECT id, arn FROM executions
	WHERE status IN ('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED') AND map_run_arn = ''
	  AND stopped_at < $1 AND (status = 'SUCCEEDED' OR stopped_at < $2)
	  %s
	ORDER BY stopped_at LIMIT $3`

// keepWaiting leaves out executions with status changes waiting in the outbox
// (outbox_by_execution, migration 0021).
const keepWaiting = `AND NOT EXISTS (SELECT 1 FROM outbox WHERE execution_id = executions.id)`

// PurgeExecutions deletes closed executions with their rows and their Distributed Map
// children, up to p.Limit executions (children included), in one transaction under the purge lock; ErrPurgeBusy when
// another node holds it.
func (s *Store) PurgeExecutions(ctx context.Context, p store.Purge) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := takePurgeLock(ctx, tx); err != nil {
			return err
		}
		lim := p.Limit
		if lim <= 0 {
			lim = 1 << 30
		}
		cond := ""
		if p.Freeze == nil {
			cond = keepWaiting
		}
		rows, err := tx.Query(ctx, fmt.Sprintf(purgeSelect, cond), p.Before.UTC(), p.RedrivableBefore.UTC(), lim)
		if err != nil {
			return err
		}
		var ids []int64
		var arns []string
		for rows.Next() {
			var id int64
			var arn string
			if err := rows.Scan(&id, &arn); err != nil {
				rows.Close()
				return err
			}
			ids = append(ids, id)
			arns = append(arns, arn)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		// The Distributed Map children of the parents' runs (executions_by_map_run). They
		// count towards the limit: parents are taken, oldest first, until it is reached.
		rows, err = tx.Query(ctx, `SELECT r.execution_arn, e.id, e.arn FROM map_runs r JOIN executions e ON e.map_run_arn = r.arn
			WHERE r.execution_arn = ANY($1) AND e.map_run_arn <> ''`, arns)
		if err != nil {
			return err
		}
		type child struct {
			id  int64
			arn string
		}
		children := map[string][]child{}
		for rows.Next() {
			var parent string
			var c child
			if err := rows.Scan(&parent, &c.id, &c.arn); err != nil {
				rows.Close()
				return err
			}
			children[parent] = append(children[parent], c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var all []int64
		var allArns, parents []string
		for i, arn := range arns {
			if len(all) >= lim {
				break
			}
			parents = append(parents, arn)
			all = append(all, ids[i])
			allArns = append(allArns, arn)
			for _, c := range children[arn] {
				all = append(all, c.id)
				allArns = append(allArns, c.arn)
			}
		}
		if p.Freeze != nil {
			if err := freezeChanges(ctx, tx, all, p.Freeze); err != nil {
				return err
			}
		}
		b := &pgx.Batch{}
		b.Queue(`DELETE FROM event_chunks WHERE execution_id = ANY($1)`, all)
		b.Queue(`DELETE FROM timers WHERE execution_id = ANY($1)`, all)
		b.Queue(`DELETE FROM tasks WHERE execution_id = ANY($1)`, all)
		b.Queue(`DELETE FROM tags WHERE resource_arn = ANY($1)`, allArns)
		b.Queue(`DELETE FROM map_runs WHERE execution_arn = ANY($1)`, parents)
		b.Queue(`DELETE FROM executions WHERE id = ANY($1)`, all)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		n = len(all)
		return nil
	})
	return n, err
}

// takePurgeLock takes the purge lock for tx's transaction: ErrPurgeBusy when another node
// holds it (one node purges at a time).
func takePurgeLock(ctx context.Context, tx pgx.Tx) error {
	var locked bool
	if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, int64(purgeLock)).Scan(&locked); err != nil {
		return err
	}
	if !locked {
		return store.ErrPurgeBusy
	}
	return nil
}

// freezeChanges rewrites whole the status changes of the executions ids still waiting in the
// outbox (store.Purge.Freeze), before the executions are deleted.
func freezeChanges(ctx context.Context, tx pgx.Tx, ids []int64, freeze func(*store.StatusChange, *store.Execution) string) error {
	rows, err := tx.Query(ctx, `SELECT id, execution_id, `+changeColumns+` FROM outbox WHERE execution_id = ANY($1)`, ids)
	if err != nil {
		return err
	}
	type waiting struct {
		id, exec int64
		c        store.StatusChange
	}
	var ws []waiting
	var execs []int64
	for rows.Next() {
		var w waiting
		if err := rows.Scan(append([]any{&w.id, &w.exec}, changeDests(&w.c)...)...); err != nil {
			rows.Close()
			return err
		}
		w.c.StoppedAt, w.c.RedriveDate = utcPtr(w.c.StoppedAt), utcPtr(w.c.RedriveDate)
		ws, execs = append(ws, w), append(execs, w.exec)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(ws) == 0 {
		return err
	}
	byID, err := executionsByID(ctx, tx, execs)
	if err != nil {
		return err
	}
	b := &pgx.Batch{}
	for _, w := range ws {
		row := byID[w.exec]
		if row == nil {
			return fmt.Errorf("freeze status changes: execution %d not found", w.exec) // the batch's own: cannot be
		}
		b.Queue(`UPDATE outbox SET body = $1, execution_id = NULL WHERE id = $2`, freeze(&w.c, row), w.id)
	}
	return tx.SendBatch(ctx, b).Close()
}
