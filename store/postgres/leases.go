package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
)

// leaseReturning is what LeaseExecution returns: execSelect's columns of the updated row.
var leaseReturning = qualified("e", execSelect)

// qualified prefixes each column of a select list with a table alias (a RETURNING list after
// an UPDATE ... FROM, where a bare name would be ambiguous).
func qualified(alias, columns string) string {
	parts := strings.Split(columns, ",")
	for i, p := range parts {
		parts[i] = alias + "." + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// Lease claims those of arns that are free, expired (by this node's clock), already owner's
// or ended, until the given time, and returns them. Rows another node is leasing or
// committing at that moment are skipped (FOR UPDATE SKIP LOCKED), not waited for.
func (s *Store) Lease(ctx context.Context, owner string, arns []string, until time.Time) ([]string, error) {
	if len(arns) == 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `UPDATE executions e SET lease_owner = $1, lease_until = $2
		FROM (SELECT id FROM executions WHERE arn = ANY($3::text[]) AND (lease_owner = $1 OR lease_owner = '' OR lease_until <= $4 OR status <> 'RUNNING')
			ORDER BY id FOR UPDATE SKIP LOCKED) c
		WHERE e.id = c.id RETURNING e.arn`, owner, until, arns, time.Now())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LeaseExecution leases one execution as Lease does and returns its row; a row another node
// is leasing or committing at that moment is skipped, as Lease skips it.
func (s *Store) LeaseExecution(ctx context.Context, owner, arn string, until time.Time) (*store.Execution, error) {
	e, err := scanExecution(s.pool.QueryRow(ctx, `UPDATE executions e SET lease_owner = $1, lease_until = $2
		FROM (SELECT id FROM executions WHERE arn = $3 AND (lease_owner = $1 OR lease_owner = '' OR lease_until <= $4 OR status <> 'RUNNING')
			FOR UPDATE SKIP LOCKED) c
		WHERE e.id = c.id RETURNING `+leaseReturning, owner, until, arn, time.Now()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return e, err
}

// RenewLeases extends every lease owner holds.
func (s *Store) RenewLeases(ctx context.Context, owner string, until time.Time) error {
	if err := s.checkSchema(ctx); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, `UPDATE executions SET lease_until = $2 WHERE lease_owner = $1 AND status = 'RUNNING'`, owner, until)
	return err
}

// checkSchema reports store.ErrSchemaNewer when a newer node has migrated the schema since
// this one opened it.
func (s *Store) checkSchema(ctx context.Context) error {
	rows, err := s.pool.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return err
	}
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return err
	}
	_, err = mig.Pending(s.migrations, applied)
	return err
}

// ReleaseLeases frees every lease owner holds.
func (s *Store) ReleaseLeases(ctx context.Context, owner string) error {
	_, err := s.pool.Exec(ctx, `UPDATE executions SET lease_owner = '', lease_until = '-infinity' WHERE lease_owner = $1`, owner)
	return err
}

// Park gives up owner's lease on arn without making the execution an orphan: its lease
// runs until 'infinity', which Unleased never reaches.
func (s *Store) Park(ctx context.Context, owner, arn string) error {
	_, err := s.pool.Exec(ctx, `UPDATE executions SET lease_owner = '', lease_until = 'infinity' WHERE arn = $1 AND lease_owner = $2`, arn, owner)
	return err
}

// Unleased lists running executions whose lease is free or expired at now, oldest first.
func (s *Store) Unleased(ctx context.Context, now time.Time, n int) ([]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT arn FROM executions WHERE status = 'RUNNING' AND lease_until <= $1
		ORDER BY id LIMIT $2`, now, limitArg(n))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// LeaseOwner returns who holds an execution's lease ("" for no one), for tests and
// diagnostics.
func (s *Store) LeaseOwner(ctx context.Context, arn string) (string, error) {
	var owner string
	err := s.pool.QueryRow(ctx, `SELECT lease_owner FROM executions WHERE arn = $1`, arn).Scan(&owner)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return owner, err
}
