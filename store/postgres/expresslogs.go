package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

// addExpress appends an execution's events to its row (created at its first events); past
// store.MaxExpressLogBytes of lines they are counted as dropped. Events of a state machine
// that is gone are not kept: they come from executions still running, or from the keeper's
// queue, after DeleteStateMachine deleted the state machine's kept executions. The state
// machine's row is locked (FOR KEY SHARE, which updates of its other columns do not wait
// for) until the commit, so that a DeleteStateMachine overlapping the transaction either
// waits for it and then deletes its rows too, or deletes first and this finds no state
// machine (TestExpressLogsOverlapDelete). Without the lock, a transaction that saw the state
// machine before the delete committed kept a row after it.
const addExpress = `INSERT INTO express_logs AS x (execution_arn, state_machine_arn, first_at, last_at, events, last_type, lines)
	SELECT $1::text, $2::text, $3::timestamptz, $4::timestamptz, $5::integer, $6::text, $7::text
	WHERE EXISTS (SELECT 1 FROM state_machines WHERE arn = $2 FOR KEY SHARE)
	ON CONFLICT (execution_arn) DO UPDATE SET
		last_at = CASE WHEN length(x.lines) < $8 THEN excluded.last_at ELSE x.last_at END,
		last_type = CASE WHEN length(x.lines) < $8 THEN excluded.last_type ELSE x.last_type END,
		events = CASE WHEN length(x.lines) < $8 THEN x.events + excluded.events ELSE x.events END,
		dropped = CASE WHEN length(x.lines) < $8 THEN x.dropped ELSE x.dropped + excluded.events END,
		lines = CASE WHEN length(x.lines) < $8 THEN x.lines || excluded.lines ELSE x.lines END`

// trimExpress deletes a state machine's kept executions past its newest $2. Rows another
// node's trim has locked are skipped (that trim deletes them): two trims of one state
// machine at once deadlocked even as single statements (testExpressLogsConcurrent, once in
// a run), so they must have locked its rows in other orders.
const trimExpress = `DELETE FROM express_logs WHERE seq IN (
	SELECT seq FROM express_logs WHERE state_machine_arn = $1 AND seq <=
		(SELECT seq FROM express_logs WHERE state_machine_arn = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)
	FOR UPDATE SKIP LOCKED)`

// AddExpressLogs writes a row an execution in one transaction, then trims each of their state
// machines to its newest keep executions (an index walk of keep entries per state machine).
// The trims come after the commit, each alone and the machines in one order: in the
// transaction, two nodes trimming the same machines in other orders deadlocked, and
// PostgreSQL then rolled one node's rows back with its trims (testExpressLogsConcurrent). A
// trim that fails leaves the machine over its bound until the next one; the rows are kept.
func (s *Store) AddExpressLogs(ctx context.Context, evs []store.ExpressLogEvent, keep int) error {
	if len(evs) == 0 {
		return nil
	}
	rows := store.GroupExpressLogs(evs)
	var machines []string
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, x := range rows {
			machines = append(machines, x.StateMachineArn)
			b.Queue(addExpress, x.ExecutionArn, x.StateMachineArn, x.First, x.Last, x.Events, x.LastType, x.Lines, store.MaxExpressLogBytes)
		}
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return err
	}
	slices.Sort(machines)
	for _, sm := range slices.Compact(machines) {
		if _, err := s.pool.Exec(ctx, trimExpress, sm, keep); err != nil {
			return fmt.Errorf("trim the Express executions kept for %s: %w", sm, err)
		}
	}
	return nil
}

func (s *Store) ListExpressExecutions(ctx context.Context, stateMachineArn string, limit int) ([]store.ExpressExecution, error) {
	rows, err := s.pool.Query(ctx, `SELECT execution_arn, first_at, last_at, events, dropped, last_type FROM express_logs
		WHERE state_machine_arn = $1 ORDER BY seq DESC LIMIT $2`, stateMachineArn, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ExpressExecution, error) {
		x := store.ExpressExecution{StateMachineArn: stateMachineArn}
		err := r.Scan(&x.ExecutionArn, &x.First, &x.Last, &x.Events, &x.Dropped, &x.LastType)
		x.First, x.Last = x.First.UTC(), x.Last.UTC()
		return x, err
	})
}

func (s *Store) GetExpressExecution(ctx context.Context, executionArn string) (*store.ExpressExecution, error) {
	x := store.ExpressExecution{ExecutionArn: executionArn}
	err := s.pool.QueryRow(ctx, `SELECT state_machine_arn, first_at, last_at, events, dropped, last_type, lines FROM express_logs
		WHERE execution_arn = $1`, executionArn).Scan(&x.StateMachineArn, &x.First, &x.Last, &x.Events, &x.Dropped, &x.LastType, &x.Lines)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	x.First, x.Last = x.First.UTC(), x.Last.UTC()
	return &x, nil
}

// purgeExpress deletes a batch of the kept Express executions whose last event is oldest,
// past a cutoff, walking express_logs_last.
const purgeExpress = `DELETE FROM express_logs WHERE seq IN
	(SELECT seq FROM express_logs WHERE last_at < $1 ORDER BY last_at LIMIT $2)`

// deleteExpress deletes a state machine's kept Express executions (express_logs_machine).
const deleteExpress = `DELETE FROM express_logs WHERE state_machine_arn = $1`

// PurgeExpressLogs deletes the oldest kept executions past before, reading express_logs_last
// (migration 0017) oldest first up to the limit, under the purge lock that PurgeExecutions
// takes: one node purges at a time.
func (s *Store) PurgeExpressLogs(ctx context.Context, before time.Time, limit int) (int, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := takePurgeLock(ctx, tx); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, purgeExpress, before.UTC(), limit)
		n = tag.RowsAffected()
		return err
	})
	return int(n), err
}
