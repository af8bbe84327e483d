package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const versionColumns = `arn, state_machine_arn, number, definition, role_arn, revision_id, description, config, created_at, revised_at`

func scanVersion(r rowScanner) (*store.Version, error) {
	var v store.Version
	var created, revised int64
	err := r.Scan(&v.Arn, &v.StateMachineArn, &v.Number, &v.Definition, &v.RoleArn, &v.RevisionID, &v.Description,
		&v.Config, &created, &revised)
	if err != nil {
		return nil, err
	}
	v.CreatedAt, v.RevisedAt = fromNanos(created), fromNanos(revised)
	return &v, nil
}

// PublishVersion numbers and stores v in one transaction, unless the newest version already
// has its revision.
func (s *Store) PublishVersion(ctx context.Context, v *store.Version) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		newest, err := scanVersion(tx.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM state_machine_versions
			WHERE state_machine_arn = ? ORDER BY number DESC LIMIT 1`, v.StateMachineArn))
		switch {
		case err == nil && newest.RevisionID == v.RevisionID:
			*v = *newest
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		var n int64
		err = tx.QueryRowContext(ctx, `UPDATE state_machines SET last_version = last_version + 1 WHERE arn = ?
			RETURNING last_version`, v.StateMachineArn).Scan(&n)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		v.Number, v.Arn = n, v.StateMachineArn+":"+strconv.FormatInt(n, 10)
		_, err = tx.ExecContext(ctx, `INSERT INTO state_machine_versions (`+versionColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, v.Arn, v.StateMachineArn, v.Number, v.Definition, v.RoleArn,
			v.RevisionID, v.Description, v.Config, nanos(v.CreatedAt), nanos(v.RevisedAt))
		return err
	})
}

func (s *Store) GetVersion(ctx context.Context, arn string) (*store.Version, error) {
	v, err := scanVersion(s.r.QueryRowContext(ctx, `SELECT `+versionColumns+` FROM state_machine_versions WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return v, err
}

// ListVersions lists versions newest first; the token is the number of the last one returned.
func (s *Store) ListVersions(ctx context.Context, smArn string, p store.Page) ([]*store.Version, string, error) {
	before := int64(1<<63 - 1)
	if p.Token != "" {
		var err error
		if before, err = page.DecodeInt("ver", p.Token); err != nil {
			return nil, "", err
		}
	}
	n := page.Limit(p.Limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+versionColumns+` FROM state_machine_versions
		WHERE state_machine_arn = ? AND number < ? ORDER BY number DESC LIMIT ?`, smArn, before, n+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var vs []*store.Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, "", err
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(vs) > n {
		return vs[:n], page.EncodeInt("ver", vs[n-1].Number), nil
	}
	return vs, "", nil
}

func (s *Store) DeleteVersion(ctx context.Context, arn string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM state_machine_versions WHERE arn = ?`, arn)
	return affected(res, err, store.ErrNotFound)
}

const aliasColumns = `arn, state_machine_arn, name, description, routing, created_at, updated_at`

func scanAlias(r rowScanner) (*store.Alias, error) {
	var a store.Alias
	var routing string
	var created, updated int64
	if err := r.Scan(&a.Arn, &a.StateMachineArn, &a.Name, &a.Description, &routing, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(routing), &a.Routing); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &a, nil
}

// CreateAlias stores a; ErrExists when its ARN is taken, ErrNotFound when its state machine
// does not exist.
func (s *Store) CreateAlias(ctx context.Context, a *store.Alias) error {
	routing, err := json.Marshal(a.Routing)
	if err != nil {
		return err
	}
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM state_machines WHERE arn = ?`, a.StateMachineArn).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO state_machine_aliases (`+aliasColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, a.Arn, a.StateMachineArn, a.Name, a.Description, string(routing),
			nanos(a.CreatedAt), nanos(a.UpdatedAt))
		return affected(res, err, store.ErrExists)
	})
}

func (s *Store) GetAlias(ctx context.Context, arn string) (*store.Alias, error) {
	a, err := scanAlias(s.r.QueryRowContext(ctx, `SELECT `+aliasColumns+` FROM state_machine_aliases WHERE arn = ?`, arn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return a, err
}

func (s *Store) UpdateAlias(ctx context.Context, a *store.Alias) error {
	routing, err := json.Marshal(a.Routing)
	if err != nil {
		return err
	}
	res, err := s.w.ExecContext(ctx, `UPDATE state_machine_aliases SET description = ?, routing = ?, updated_at = ?
		WHERE arn = ?`, a.Description, string(routing), nanos(a.UpdatedAt), a.Arn)
	return affected(res, err, store.ErrNotFound)
}

func (s *Store) DeleteAlias(ctx context.Context, arn string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM state_machine_aliases WHERE arn = ?`, arn)
	return affected(res, err, store.ErrNotFound)
}

// ListAliases lists aliases in name order; the token is the name of the last one returned.
func (s *Store) ListAliases(ctx context.Context, smArn string, p store.Page) ([]*store.Alias, string, error) {
	after := ""
	if p.Token != "" {
		var err error
		if after, err = page.Decode("alias", p.Token); err != nil {
			return nil, "", err
		}
	}
	n := page.Limit(p.Limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+aliasColumns+` FROM state_machine_aliases
		WHERE state_machine_arn = ? AND name > ? ORDER BY name LIMIT ?`, smArn, after, n+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var as []*store.Alias
	for rows.Next() {
		a, err := scanAlias(rows)
		if err != nil {
			return nil, "", err
		}
		as = append(as, a)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(as) > n {
		return as[:n], page.Encode("alias", as[n-1].Name), nil
	}
	return as, "", nil
}
