package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const smColumns = `arn, name, type, definition, role_arn, status, revision_id, description, config, created_at, updated_at`

func scanStateMachine(r rowScanner) (*store.StateMachine, error) {
	var sm store.StateMachine
	var created, updated int64
	err := r.Scan(&sm.Arn, &sm.Name, &sm.Type, &sm.Definition, &sm.RoleArn, &sm.Status, &sm.RevisionID,
		&sm.Description, &sm.Config, &created, &updated)
	if err != nil {
		return nil, err
	}
	sm.CreatedAt, sm.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &sm, nil
}

// CreateStateMachine stores sm; ErrExists when its ARN is taken.
func (s *Store) CreateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	return s.createTagged(ctx, `INSERT INTO state_machines (`+smColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (arn) DO NOTHING`,
		[]any{sm.Arn, sm.Name, sm.Type, sm.Definition, sm.RoleArn, sm.Status, sm.RevisionID, sm.Description, sm.Config,
			nanos(sm.CreatedAt), nanos(sm.UpdatedAt)}, sm.Arn, sm.Tags)
}

// createTagged runs insert, which creates one resource unless its ARN is taken
// (store.ErrExists), and writes the resource's tags in the same transaction.
func (s *Store) createTagged(ctx context.Context, insert string, args []any, arn string, tags []store.Tag) error {
	if len(tags) == 0 {
		res, err := s.w.ExecContext(ctx, insert, args...)
		return affected(res, err, store.ErrExists)
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insert, args...)
		if err := affected(res, err, store.ErrExists); err != nil {
			return err
		}
		return insertTags(ctx, tx, arn, tags)
	})
}

// UpdateStateMachine replaces everything of sm but its ARN, name and creation time.
func (s *Store) UpdateStateMachine(ctx context.Context, sm *store.StateMachine) error {
	res, err := s.w.ExecContext(ctx, `UPDATE state_machines SET type = ?, definition = ?, role_arn = ?, status = ?,
		revision_id = ?, description = ?, config = ?, updated_at = ? WHERE arn = ?`,
		sm.Type, sm.Definition, sm.RoleArn, sm.Status, sm.RevisionID, sm.Description, sm.Config, nanos(sm.UpdatedAt), sm.Arn)
	return affected(res, err, store.ErrNotFound)
}

func (s *Store) GetStateMachine(ctx context.Context, arn string) (*store.StateMachine, error) {
	sm, err := scanStateMachine(s.reads.stateMachine.QueryRowContext(ctx, arn))
	if errors.Is(err, sql.ErrNoRows) {
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
	err = s.r.QueryRowContext(ctx, `SELECT definition, role_arn, config FROM state_machine_revisions
		WHERE state_machine_arn = ? AND revision_id = ?`, arn, revisionID).Scan(&sm.Definition, &sm.RoleArn, &config)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	if config != "" { // empty for revisions stored before their configuration was kept
		sm.Config = config
	}
	sm.RevisionID = revisionID
	return sm, err
}

// DeleteStateMachine deletes the state machine (its versions, aliases and revisions go by
// their foreign keys) and its kept Express executions (express_logs_machine: at most
// --express-log-executions rows) in one write. Those go even when the state machine is
// already gone, so that a second delete takes what its running executions wrote after the
// first; ErrNotFound then.
func (s *Store) DeleteStateMachine(ctx context.Context, arn string) error {
	var n int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, deleteExpress, arn); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM state_machines WHERE arn = ?`, arn)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err == nil && n == 0 {
		return store.ErrNotFound
	}
	return err
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
	rows, err := s.r.QueryContext(ctx, `SELECT `+smColumns+` FROM state_machines WHERE arn > ? ORDER BY arn LIMIT ?`, after, n+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var sms []*store.StateMachine
	for rows.Next() {
		sm, err := scanStateMachine(rows)
		if err != nil {
			return nil, "", err
		}
		sms = append(sms, sm)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(sms) > n {
		return sms[:n], page.Encode("sm", sms[n-1].Arn), nil
	}
	return sms, "", nil
}

// affected turns a write that touched no row into none.
func affected(res sql.Result, err error, none error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return none
	}
	return nil
}
