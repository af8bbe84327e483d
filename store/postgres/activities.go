package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const activityColumns = `arn, name, config, created_at`

func scanActivity(r pgx.Row) (*store.Activity, error) {
	var a store.Activity
	if err := r.Scan(&a.Arn, &a.Name, &a.Config, &a.CreatedAt); err != nil {
		return nil, err
	}
	a.CreatedAt = a.CreatedAt.UTC()
	return &a, nil
}

// CreateActivity stores a; ErrExists when its ARN is taken.
func (s *Store) CreateActivity(ctx context.Context, a *store.Activity) error {
	return s.createTagged(ctx, `INSERT INTO activities (`+activityColumns+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (arn) DO NOTHING`, []any{a.Arn, a.Name, a.Config, a.CreatedAt}, a.Tags)
}

func (s *Store) GetActivity(ctx context.Context, arn string) (*store.Activity, error) {
	a, err := scanActivity(s.pool.QueryRow(ctx, `SELECT `+activityColumns+` FROM activities WHERE arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return a, err
}

// DeleteActivity removes an activity and its tags, in one statement.
func (s *Store) DeleteActivity(ctx context.Context, arn string) error {
	tag, err := s.pool.Exec(ctx, `WITH t AS (DELETE FROM tags WHERE resource_arn = $1)
		DELETE FROM activities WHERE arn = $1`, arn)
	return affected(tag, err, store.ErrNotFound)
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
	rows, err := s.pool.Query(ctx, `SELECT `+activityColumns+` FROM activities WHERE arn > $1 ORDER BY arn LIMIT $2`, after, n+1)
	if err != nil {
		return nil, "", err
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Activity, error) { return scanActivity(r) })
	if err != nil {
		return nil, "", err
	}
	if len(as) > n {
		return as[:n], page.Encode("act", as[n-1].Arn), nil
	}
	return as, "", nil
}

// ClaimActivityTask hands out the oldest unclaimed task of a running execution on the
// activity. SKIP LOCKED lets pollers on several nodes claim different tasks at once.
func (s *Store) ClaimActivityTask(ctx context.Context, activityArn string, now time.Time) (*store.Task, error) {
	t, err := scanTask(s.pool.QueryRow(ctx, `WITH c AS (
			SELECT t.execution_id, t.id FROM tasks t JOIN executions e ON e.id = t.execution_id
			WHERE t.resource = $1 AND t.claimed_at IS NULL AND e.status = 'RUNNING'
			ORDER BY t.created_at, t.execution_id, t.id LIMIT 1 FOR UPDATE OF t SKIP LOCKED
		), u AS (
			UPDATE tasks t SET claimed_at = $2 FROM c WHERE t.execution_id = c.execution_id AND t.id = c.id
			RETURNING t.*
		)
		SELECT e.arn, u.id, u.token, u.resource, u.body, u.created_at FROM u JOIN executions e ON e.id = u.execution_id`,
		activityArn, now))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// TagResource adds tags, replacing the values of keys the resource has.
func (s *Store) TagResource(ctx context.Context, arn string, tags []store.Tag) error {
	if len(tags) == 0 {
		return nil
	}
	keys, values := tagColumns(tags)
	_, err := s.pool.Exec(ctx, `INSERT INTO tags (resource_arn, key, value)
		SELECT $1, k, v FROM unnest($2::text[], $3::text[]) AS x(k, v)
		ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, arn, keys, values)
	return err
}

// tagColumns are tags' keys and values, for unnest; a key given twice has its last value, as
// SQLite's one insert per tag leaves it (one INSERT ... ON CONFLICT cannot change a row twice).
func tagColumns(tags []store.Tag) (keys, values []string) {
	at := make(map[string]int, len(tags))
	for _, tg := range tags {
		if i, ok := at[tg.Key]; ok {
			values[i] = tg.Value
			continue
		}
		at[tg.Key] = len(keys)
		keys, values = append(keys, tg.Key), append(values, tg.Value)
	}
	return keys, values
}

// UntagResource removes keys; keys the resource does not have are ignored.
func (s *Store) UntagResource(ctx context.Context, arn string, keys []string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM tags WHERE resource_arn = $1 AND key = ANY($2::text[])`, arn, keys)
	return err
}

// ListTags lists a resource's tags in key order.
func (s *Store) ListTags(ctx context.Context, arn string) ([]store.Tag, error) {
	rows, err := s.pool.Query(ctx, `SELECT key, value FROM tags WHERE resource_arn = $1 ORDER BY key`, arn)
	if err != nil {
		return nil, err
	}
	tags, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Tag, error) {
		var tg store.Tag
		err := r.Scan(&tg.Key, &tg.Value)
		return tg, err
	})
	if tags == nil {
		tags = []store.Tag{}
	}
	return tags, err
}
