package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/stepwise-run/stepwise/store"
)

// addExpress appends an execution's events to its row (created at its first events); past
// store.MaxExpressLogBytes of lines they are counted as dropped. Events of a state machine
// that is gone are not kept: they come from executions still running, or from the keeper's
// queue, after DeleteStateMachine deleted the state machine's kept executions.
const addExpress = `INSERT INTO express_logs (execution_arn, state_machine_arn, first_at, last_at, events, last_type, lines)
	SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS (SELECT 1 FROM state_machines WHERE arn = ?2)
	ON CONFLICT (execution_arn) DO UPDATE SET
		last_at = CASE WHEN length(lines) < ?8 THEN excluded.last_at ELSE last_at END,
		last_type = CASE WHEN length(lines) < ?8 THEN excluded.last_type ELSE last_type END,
		events = CASE WHEN length(lines) < ?8 THEN events + excluded.events ELSE events END,
		dropped = CASE WHEN length(lines) < ?8 THEN dropped ELSE dropped + excluded.events END,
		lines = CASE WHEN length(lines) < ?8 THEN lines || excluded.lines ELSE lines END`

// AddExpressLogs writes a row an execution in one transaction, then trims each of their state
// machines to its newest keep executions (an index walk of keep entries per state machine).
func (s *Store) AddExpressLogs(ctx context.Context, evs []store.ExpressLogEvent, keep int) error {
	if len(evs) == 0 {
		return nil
	}
	rows := store.GroupExpressLogs(evs)
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		machines := map[string]bool{}
		add, err := tx.PrepareContext(ctx, addExpress) // parsed once: parsing was a third of a row's time
		if err != nil {
			return err
		}
		defer add.Close()
		for _, x := range rows {
			machines[x.StateMachineArn] = true
			if _, err := add.ExecContext(ctx, x.ExecutionArn, x.StateMachineArn, nanos(x.First), nanos(x.Last),
				x.Events, x.LastType, x.Lines, store.MaxExpressLogBytes); err != nil {
				return err
			}
		}
		for sm := range machines {
			if _, err := tx.ExecContext(ctx, `DELETE FROM express_logs WHERE state_machine_arn = ?1 AND seq <=
				(SELECT seq FROM express_logs WHERE state_machine_arn = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)`, sm, keep); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) ListExpressExecutions(ctx context.Context, stateMachineArn string, limit int) ([]store.ExpressExecution, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT execution_arn, first_at, last_at, events, dropped, last_type FROM express_logs
		WHERE state_machine_arn = ? ORDER BY seq DESC LIMIT ?`, stateMachineArn, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ExpressExecution
	for rows.Next() {
		x := store.ExpressExecution{StateMachineArn: stateMachineArn}
		var first, last int64
		if err := rows.Scan(&x.ExecutionArn, &first, &last, &x.Events, &x.Dropped, &x.LastType); err != nil {
			return nil, err
		}
		x.First, x.Last = fromNanos(first), fromNanos(last)
		out = append(out, x)
	}
	return out, rows.Err()
}

func (s *Store) GetExpressExecution(ctx context.Context, executionArn string) (*store.ExpressExecution, error) {
	x := store.ExpressExecution{ExecutionArn: executionArn}
	var first, last int64
	err := s.r.QueryRowContext(ctx, `SELECT state_machine_arn, first_at, last_at, events, dropped, last_type, lines FROM express_logs
		WHERE execution_arn = ?`, executionArn).Scan(&x.StateMachineArn, &first, &last, &x.Events, &x.Dropped, &x.LastType, &x.Lines)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	x.First, x.Last = fromNanos(first), fromNanos(last)
	return &x, nil
}

// purgeExpress deletes a batch of the kept Express executions whose last event is oldest,
// past a cutoff. INDEXED BY: the batch must walk express_logs_last, not sort the table.
const purgeExpress = `DELETE FROM express_logs WHERE seq IN
	(SELECT seq FROM express_logs INDEXED BY express_logs_last WHERE last_at < ? ORDER BY last_at LIMIT ?)`

// deleteExpress deletes a state machine's kept Express executions (express_logs_machine).
const deleteExpress = `DELETE FROM express_logs WHERE state_machine_arn = ?`

// PurgeExpressLogs deletes the oldest kept executions past before, reading express_logs_last
// (migration 0017) oldest first up to the limit. SQLite has one writer per file, so no other
// node purges at the same time.
func (s *Store) PurgeExpressLogs(ctx context.Context, before time.Time, n int) (int, error) {
	var deleted int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, purgeExpress, nanos(before), limit(n))
		if err != nil {
			return err
		}
		deleted, err = res.RowsAffected()
		return err
	})
	return int(deleted), err
}
