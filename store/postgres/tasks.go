package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
)

const taskColumns = `e.arn, t.id, t.token, t.resource, t.body, t.created_at`

// TaskByToken finds a task by its token, whatever its execution's status; ErrNotFound once
// the task is cancelled.
func (s *Store) TaskByToken(ctx context.Context, token string) (*store.Task, error) {
	t, err := scanTask(s.pool.QueryRow(ctx, `SELECT `+taskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id WHERE t.token = $1`, token))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// PendingTasks lists the tasks of running executions, the earliest created first.
func (s *Store) PendingTasks(ctx context.Context, n int) ([]store.Task, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+taskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id WHERE e.status = 'RUNNING'
		ORDER BY t.created_at, t.execution_id, t.id LIMIT $1`, limitArg(n))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Task, error) { return scanTask(r) })
}

func scanTask(r pgx.Row) (store.Task, error) {
	var t store.Task
	if err := r.Scan(&t.ExecutionArn, &t.ID, &t.Token, &t.Resource, &t.Body, &t.CreatedAt); err != nil {
		return store.Task{}, err
	}
	t.CreatedAt = t.CreatedAt.UTC()
	return t, nil
}
