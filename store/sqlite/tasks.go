package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepwise-run/stepwise/store"
)

const taskColumns = `e.arn, t.id, t.token, t.resource, t.body, t.created_at`

// TaskByToken finds a task by its token, whatever its execution's status; ErrNotFound once
// the task is cancelled.
func (s *Store) TaskByToken(ctx context.Context, token string) (*store.Task, error) {
	t, err := scanTask(s.r.QueryRowContext(ctx, `SELECT `+taskColumns+`
		FROM tasks t JOIN executions e ON e.id = t.execution_id WHERE t.token = ?`, token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return t, err
}

// PendingTasks lists the tasks of running executions, the earliest created first.
func (s *Store) PendingTasks(ctx context.Context, n int) ([]store.Task, error) {
	// CROSS JOIN: walk the tasks (tasks_by_created), not every running execution.
	rows, err := s.r.QueryContext(ctx, `SELECT `+taskColumns+`
		FROM tasks t CROSS JOIN executions e ON e.id = t.execution_id WHERE e.status = 'RUNNING'
		ORDER BY t.created_at, t.execution_id, t.id LIMIT ?`, limit(n))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []store.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		ts = append(ts, *t)
	}
	return ts, rows.Err()
}

func scanTask(r rowScanner) (*store.Task, error) {
	var t store.Task
	var created int64
	if err := r.Scan(&t.ExecutionArn, &t.ID, &t.Token, &t.Resource, &t.Body, &created); err != nil {
		return nil, err
	}
	t.CreatedAt = fromNanos(created)
	return &t, nil
}
