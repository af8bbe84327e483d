package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

const versionColumns = `arn, state_machine_arn, number, definition, role_arn, revision_id, description, config, created_at, revised_at`

func scanVersion(r pgx.Row) (*store.Version, error) {
	var v store.Version
	err := r.Scan(&v.Arn, &v.StateMachineArn, &v.Number, &v.Definition, &v.RoleArn, &v.RevisionID, &v.Description,
		&v.Config, &v.CreatedAt, &v.RevisedAt)
	if err != nil {
		return nil, err
	}
	v.CreatedAt, v.RevisedAt = v.CreatedAt.UTC(), v.RevisedAt.UTC()
	return &v, nil
}

// PublishVersion numbers and stores v in one transaction, unless the newest version already
// has its revision. Locking the state machine's row first serializes concurrent publishes.
func (s *Store) PublishVersion(ctx context.Context, v *store.Version) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var last int64
		err := tx.QueryRow(ctx, `SELECT last_version FROM state_machines WHERE arn = $1 FOR UPDATE`, v.StateMachineArn).Scan(&last)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		newest, err := scanVersion(tx.QueryRow(ctx, `SELECT `+versionColumns+` FROM state_machine_versions
			WHERE state_machine_arn = $1 ORDER BY number DESC LIMIT 1`, v.StateMachineArn))
		switch {
		case err == nil && newest.RevisionID == v.RevisionID:
			*v = *newest
			return nil
		case err != nil && !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		v.Number = last + 1
		v.Arn = v.StateMachineArn + ":" + strconv.FormatInt(v.Number, 10)
		if _, err := tx.Exec(ctx, `UPDATE state_machines SET last_version = $1 WHERE arn = $2`, v.Number, v.StateMachineArn); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO state_machine_versions (`+versionColumns+`)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, v.Arn, v.StateMachineArn, v.Number, v.Definition, v.RoleArn,
			v.RevisionID, v.Description, v.Config, v.CreatedAt, v.RevisedAt)
		return err
	})
}

func (s *Store) GetVersion(ctx context.Context, arn string) (*store.Version, error) {
	v, err := scanVersion(s.pool.QueryRow(ctx, `SELECT `+versionColumns+` FROM state_machine_versions WHERE arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
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
	rows, err := s.pool.Query(ctx, `SELECT `+versionColumns+` FROM state_machine_versions
		WHERE state_machine_arn = $1 AND number < $2 ORDER BY number DESC LIMIT $3`, smArn, before, n+1)
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
	tag, err := s.pool.Exec(ctx, `DELETE FROM state_machine_versions WHERE arn = $1`, arn)
	return affected(tag, err, store.ErrNotFound)
}

const aliasColumns = `arn, state_machine_arn, name, description, routing, created_at, updated_at`

func scanAlias(r pgx.Row) (*store.Alias, error) {
	var a store.Alias
	var routing string
	if err := r.Scan(&a.Arn, &a.StateMachineArn, &a.Name, &a.Description, &routing, &a.CreatedAt, &a.UpdatedAt); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(routing), &a.Routing); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	return &a, nil
}

// CreateAlias stores a; ErrExists when its ARN is taken, ErrNotFound when its state machine
// does not exist.
func (s *Store) CreateAlias(ctx context.Context, a *store.Alias) error {
	routing, err := json.Marshal(a.Routing)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM state_machines WHERE arn = $1 FOR SHARE`, a.StateMachineArn).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO state_machine_aliases (`+aliasColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT DO NOTHING`, a.Arn, a.StateMachineArn, a.Name, a.Description, string(routing), a.CreatedAt, a.UpdatedAt)
		return affected(tag, err, store.ErrExists)
	})
}

func (s *Store) GetAlias(ctx context.Context, arn string) (*store.Alias, error) {
	a, err := scanAlias(s.pool.QueryRow(ctx, `SELECT `+aliasColumns+` FROM state_machine_aliases WHERE arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return a, err
}

func (s *Store) UpdateAlias(ctx context.Context, a *store.Alias) error {
	routing, err := json.Marshal(a.Routing)
	if err != nil {
		return err
	}
	tag, err := s.pool.Exec(ctx, `UPDATE state_machine_aliases SET description = $1, routing = $2, updated_at = $3
		WHERE arn = $4`, a.Description, string(routing), a.UpdatedAt, a.Arn)
	return affected(tag, err, store.ErrNotFound)
}

func (s *Store) DeleteAlias(ctx context.Context, arn string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM state_machine_aliases WHERE arn = $1`, arn)
	return affected(tag, err, store.ErrNotFound)
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
	rows, err := s.pool.Query(ctx, `SELECT `+aliasColumns+` FROM state_machine_aliases
		WHERE state_machine_arn = $1 AND name > $2 ORDER BY name LIMIT $3`, smArn, after, n+1)
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
