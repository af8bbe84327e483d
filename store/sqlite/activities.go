package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const activityColumns = `arn, name, config, created_at`

func scanActivity(r rowScanner) (*store.Activity, error) {
	var a store.Activity
	var created int64
	if err := r.Scan(&a.Arn, &a.Name, &a.Config, &created); err != nil {
		return nil, err
	}
	a.CreatedAt = fromNanos(created)
	return &a, nil
}

// CreateActivity stores a; ErrExists when its ARN is taken.
func (s *Store) CreateActivity(ctx context.Context, a *store.Activity) error {
	return s.createTagged(ctx, `INSERT INTO activities (`+activityColumns+`) VALUES (?, ?, ?, ?)
		ON CONFLICT (arn) DO NOTHING`, []any{a.Arn, a.Name, a.Config, nanos(a.CreatedAt)}, a.Arn, a.Tags)
}

func (s *Store) GetActivity(ctx context.Context, arn string) (*store.Activity, error) {
	a, err := scanActivity(s.r.QueryRowContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return a, err
}

// DeleteActivity removes an activity and its tags.
func (s *Store) DeleteActivity(ctx context.Context, arn string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM activities WHERE arn = ?`, arn)
		return affected(res, err, store.ErrNotFound)
	})
}

// ListActivities lists activities in ARN order.
func (s *Store) ListActivities(ctx context.Context, p store.Page) ([]*store.Activity, string, error) {
	after := ""
	if p.Token != "" {
		var err error
		if after, err = page.Decode("act", p.Token); err != nil {
			return nil, "", err
		}
	}
	n := page.Limit(p.Limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+activityColumns+` FROM activities WHERE arn > ? ORDER BY arn LIMIT ?`, after, n+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var as []*store.Activity
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, "", err
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(as) > n {
		return as[:n], page.Encode("act", as[n-1].Arn), nil
	}
	return as, "", nil
}

// ClaimActivityTask hands out the oldest unclaimed task of a running execution on the
// activity; the single writer makes the claim exclusive.
func (s *Store) ClaimActivityTask(ctx context.Context, activityArn string, now time.Time) (*store.Task, error) {
	var t *store.Task
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var execID int64
		var err error
		t, err = scanClaim(tx.QueryRowContext(ctx, `SELECT t.execution_id, `+taskColumns+`
			FROM tasks t JOIN executions e ON e.id = t.execution_id
			WHERE t.resource = ? AND t.claimed_at IS NULL AND e.status = 'RUNNING'
			ORDER BY t.created_at, t.execution_id, t.id LIMIT 1`, activityArn), &execID)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tasks SET claimed_at = ? WHERE execution_id = ? AND id = ?`, nanos(now), execID, t.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

func scanClaim(r rowScanner, execID *int64) (*store.Task, error) {
	var t store.Task
	var created int64
	if err := r.Scan(execID, &t.ExecutionArn, &t.ID, &t.Token, &t.Resource, &t.Body, &created); err != nil {
		return nil, err
	}
	t.CreatedAt = fromNanos(created)
	return &t, nil
}

// TagResource adds tags, replacing the values of keys the resource has.
func (s *Store) TagResource(ctx context.Context, arn string, tags []store.Tag) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error { return insertTags(ctx, tx, arn, tags) })
}

// insertTags adds tags to a resource, a new value replacing the one of its key.
func insertTags(ctx context.Context, tx *sql.Tx, arn string, tags []store.Tag) error {
	for _, tg := range tags {
		if _, err := tx.ExecContext(ctx, `INSERT INTO tags (resource_arn, key, value) VALUES (?, ?, ?)
			ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, arn, tg.Key, tg.Value); err != nil {
			return err
		}
	}
	return nil
}

// UntagResource removes keys; keys the resource does not have are ignored.
func (s *Store) UntagResource(ctx context.Context, arn string, keys []string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ? AND key = ?`, arn, k); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListTags lists a resource's tags in key order.
func (s *Store) ListTags(ctx context.Context, arn string) ([]store.Tag, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT key, value FROM tags WHERE resource_arn = ? ORDER BY key`, arn)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	tags := []store.Tag{}
	for rows.Next() {
		var tg store.Tag
		if err := rows.Scan(&tg.Key, &tg.Value); err != nil {
			return nil, err
		}
		tags = append(tags, tg)
	}
	return tags, rows.Err()
}
