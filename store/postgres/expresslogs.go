package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

// AddExpressLogs adds the events in one transaction, then trims each of their state machines
// to its newest keep events (an index walk of keep entries per state machine).
func (s *Store) AddExpressLogs(ctx context.Context, evs []store.ExpressLogEvent, keep int) error {
	if len(evs) == 0 {
		return nil
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		machines := map[string]bool{}
		b := &pgx.Batch{}
		for _, e := range evs {
			machines[e.StateMachineArn] = true
			b.Queue(`INSERT INTO express_logs (state_machine_arn, execution_arn, event_id, type, at, line)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (execution_arn, event_id) DO NOTHING`,
				e.StateMachineArn, e.ExecutionArn, e.ID, e.Type, e.Timestamp, e.Line)
		}
		for sm := range machines {
			b.Queue(`DELETE FROM express_logs WHERE state_machine_arn = $1 AND seq <=
				(SELECT seq FROM express_logs WHERE state_machine_arn = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)`, sm, keep)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

func (s *Store) ListExpressExecutions(ctx context.Context, stateMachineArn string, limit int) ([]store.ExpressExecution, error) {
	rows, err := s.pool.Query(ctx, `SELECT execution_arn, min(at), max(at), count(*),
			(SELECT type FROM express_logs l WHERE l.execution_arn = g.execution_arn ORDER BY event_id DESC LIMIT 1)
		FROM express_logs g WHERE state_machine_arn = $1 GROUP BY execution_arn ORDER BY max(seq) DESC LIMIT $2`, stateMachineArn, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ExpressExecution, error) {
		var x store.ExpressExecution
		err := r.Scan(&x.ExecutionArn, &x.First, &x.Last, &x.Events, &x.LastType)
		x.First, x.Last = x.First.UTC(), x.Last.UTC()
		return x, err
	})
}

func (s *Store) ExpressLogEvents(ctx context.Context, executionArn string) ([]store.ExpressLogEvent, error) {
	rows, err := s.pool.Query(ctx, `SELECT state_machine_arn, event_id, type, at, line FROM express_logs
		WHERE execution_arn = $1 ORDER BY event_id`, executionArn)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.ExpressLogEvent, error) {
		e := store.ExpressLogEvent{ExecutionArn: executionArn}
		err := r.Scan(&e.StateMachineArn, &e.ID, &e.Type, &e.Timestamp, &e.Line)
		e.Timestamp = e.Timestamp.UTC()
		return e, err
	})
}
