package sqlite

import (
	"context"
	"database/sql"

	"github.com/stepwise-run/stepwise/store"
)

// AddExpressLogs adds the events in one transaction, then trims each of their state machines
// to its newest keep events (an index walk of keep entries per state machine).
func (s *Store) AddExpressLogs(ctx context.Context, evs []store.ExpressLogEvent, keep int) error {
	if len(evs) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		machines := map[string]bool{}
		for _, e := range evs {
			machines[e.StateMachineArn] = true
			if _, err := tx.ExecContext(ctx, `INSERT INTO express_logs (state_machine_arn, execution_arn, event_id, type, at, line)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (execution_arn, event_id) DO NOTHING`,
				e.StateMachineArn, e.ExecutionArn, e.ID, e.Type, nanos(e.Timestamp), e.Line); err != nil {
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
	rows, err := s.r.QueryContext(ctx, `SELECT execution_arn, min(at), max(at), count(*),
			(SELECT type FROM express_logs l WHERE l.execution_arn = g.execution_arn ORDER BY event_id DESC LIMIT 1)
		FROM express_logs g WHERE state_machine_arn = ? GROUP BY execution_arn ORDER BY max(seq) DESC LIMIT ?`, stateMachineArn, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ExpressExecution
	for rows.Next() {
		var x store.ExpressExecution
		var first, last int64
		if err := rows.Scan(&x.ExecutionArn, &first, &last, &x.Events, &x.LastType); err != nil {
			return nil, err
		}
		x.First, x.Last = fromNanos(first), fromNanos(last)
		out = append(out, x)
	}
	return out, rows.Err()
}

func (s *Store) ExpressLogEvents(ctx context.Context, executionArn string) ([]store.ExpressLogEvent, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT state_machine_arn, event_id, type, at, line FROM express_logs
		WHERE execution_arn = ? ORDER BY event_id`, executionArn)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.ExpressLogEvent
	for rows.Next() {
		e := store.ExpressLogEvent{ExecutionArn: executionArn}
		var at int64
		if err := rows.Scan(&e.StateMachineArn, &e.ID, &e.Type, &at, &e.Line); err != nil {
			return nil, err
		}
		e.Timestamp = fromNanos(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
