package postgres

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const smColumns = `arn, name, type, definition, role_arn, status, revision_id, description, config, created_at, updated_at`

func scanStateMachine(r pgx.Row) (*store.StateMachine, error) {
	var sm store.StateMachine
	err := r.Scan(&sm.Arn, &sm.Name, &sm.Type, &sm.Definition, &sm.RoleArn, &sm.Status, &sm.RevisionID,
		&sm.Description, &sm.Config, &sm.CreatedAt, &sm.UpdatedAt)
	if err != nil {
		return nil, err
	}
	sm.CreatedAt, sm.UpdatedAt = sm.CreatedAt.UTC(), sm.UpdatedAt.UTC()
	return &sm, nil
}

// CreateStateMachine stores sm; ErrExists when its ARN is taken.
func (s *Store) CreateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return s.createTagged(ctx, `INSERT INTO state_machines (`+smColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (arn) DO NOTHING`,
		[]any{sm.Arn, sm.Name, sm.Type, sm.Definition, sm.RoleArn, sm.Status, sm.RevisionID, sm.Description, sm.Config,
			sm.CreatedAt, sm.UpdatedAt}, sm.Tags)
}

// createTagged runs insert, which creates one resource unless its ARN is taken
// (store.ErrExists), and writes the resource's tags in the same statement: the insert, made
// to return the new row's arn, feeds the tags' insert (a resource whose ARN is taken gets
// none).
func (s *Store) createTagged(ctx context.Context, insert string, args []any, tags []store.Tag) error {
	if len(tags) == 0 {
		tag, err := s.pool.Exec(ctx, insert, args...)
		return affected(tag, err, store.ErrExists)
	}
	keys, values := tagColumns(tags)
	n := len(args)
	tag, err := s.pool.Exec(ctx, `WITH made AS (`+insert+` RETURNING arn)
		INSERT INTO tags (resource_arn, key, value)
		SELECT made.arn, k, v FROM made, unnest($`+strconv.Itoa(n+1)+`::text[], $`+strconv.Itoa(n+2)+`::text[]) AS x(k, v)
		ON CONFLICT (resource_arn, key) DO UPDATE SET value = excluded.value`, append(args, keys, values)...)
	return affected(tag, err, store.ErrExists)
}

// UpdateStateMachine replaces everything of sm but its ARN, name and creation time.
func (s *Store) UpdateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	tag, err := s.pool.Exec(ctx, `UPDATE state_machines SET type = $1, definition = $2, role_arn = $3, status = $4,
		revision_id = $5, description = $6, config = $7, updated_at = $8 WHERE arn = $9`,
		sm.Type, sm.Definition, sm.RoleArn, sm.Status, sm.RevisionID, sm.Description, sm.Config, sm.UpdatedAt, sm.Arn)
	return affected(tag, err, store.ErrNotFound)
}

func (s *Store) GetStateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	sm, err := scanStateMachine(s.pool.QueryRow(ctx, `SELECT `+smColumns+` FROM state_machines WHERE arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return sm, err
}

// GetRevision returns the machine with the definition and role of one of its revisions.
func (s *Store) GetRevision(ctx context.Context, arn, revisionID string) (*store.StateMachine, error) {
	sm, err := s.GetStateMachine(ctx, arn)
	if err != nil || sm.RevisionID == revisionID {
		return sm, err
	}
	var config string
	err = s.pool.QueryRow(ctx, `SELECT definition, role_arn, config FROM state_machine_revisions
		WHERE state_machine_arn = $1 AND revision_id = $2`, arn, revisionID).Scan(&sm.Definition, &sm.RoleArn, &config)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if config != "" { // empty for revisions stored before their configuration was kept
		sm.Config = config
	}
	sm.RevisionID = revisionID
	return sm, err
}

// DeleteStateMachine deletes the state machine (its versions, aliases and revisions go by
// their foreign keys) and then its kept Express executions (express_logs_machine: at most
// --express-log-executions rows) in one transaction. The state machine goes first: its
// row's delete waits for the transactions of AddExpressLogs that hold it (see addExpress),
// and the second statement, with a snapshot of its own, sees and deletes what they wrote.
// The kept executions go even when the state machine is already gone (ErrNotFound then).
func (s *Store) DeleteStateMachine(ctx context.Context, arn string) error {
	var tag pgconn.CommandTag
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		if tag, err = tx.Exec(ctx, `DELETE FROM state_machines WHERE arn = $1`, arn); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, deleteExpress, arn)
		return err
	})
	return affected(tag, err, store.ErrNotFound)
}

// ListStateMachines lists state machines in ARN order (name order within an account and
// region).
func (s *Store) ListStateMachines(ctx context.Context, p store.Page) ([]*store.StateMachine, string, error) {
	after := ""
	if p.Token != "" {
		var err error
		if after, err = page.Decode("sm", p.Token); err != nil {
			return nil, "", err
		}
	}
	n := page.Limit(p.Limit)
	rows, err := s.pool.Query(ctx, `SELECT `+smColumns+` FROM state_machines WHERE arn > $1 ORDER BY arn LIMIT $2`, after, n+1)
	if err != nil {
		return nil, "", err
	}
	sms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.StateMachine, error) { return scanStateMachine(r) })
	if err != nil {
		return nil, "", err
	}
	if len(sms) > n {
		return sms[:n], page.Encode("sm", sms[n-1].Arn), nil
	}
	return sms, "", nil
}

// affected turns a write that touched no row into none.
func affected(tag pgconn.CommandTag, err error, none error) error {
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return none
	}
	return nil
}
