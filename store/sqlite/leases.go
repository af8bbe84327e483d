package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/store"
	mig "github.com/stepwise-run/stepwise/store/internal/migrate"
)

// free is lease_until of an execution no one holds; parked that of one no one needs to hold
// until it has something to do (see store.Store.Park).
const (
	free   = math.MinInt64
	parked = math.MaxInt64
	// freeText and parkedText are free and parked in SQL.
	freeText   = "-9223372036854775808"
	parkedText = "9223372036854775807"
)

// Lease claims those of arns that are free, expired (by the store's clock), already owner's
// or ended, until the given time, and returns them.
func (s *Store) Lease(ctx context.Context, owner string, arns []string, until time.Time) ([]string, error) {
	var got []string
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		got = got[:0]
		now := time.Now().UnixNano()
		for start := 0; start < len(arns); start += rowsPerInsert {
			chunk := arns[start:min(len(arns), start+rowsPerInsert)]
			args := []any{owner, nanos(until), owner, now}
			for _, a := range chunk {
				args = append(args, a)
			}
			rows, err := tx.QueryContext(ctx, `UPDATE executions SET lease_owner = ?, lease_until = ?
				WHERE (lease_owner = ? OR lease_owner = '' OR lease_until <= ? OR status <> 'RUNNING') AND arn IN (?`+strings.Repeat(", ?", len(chunk)-1)+`)
				RETURNING arn`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
				var arn string
				if err := rows.Scan(&arn); err != nil {
					rows.Close()
					return err
				}
				got = append(got, arn)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	return got, err
}

// LeaseExecution leases one execution as Lease does and returns its row.
func (s *Store) LeaseExecution(ctx context.Context, owner, arn string, until time.Time) (*store.Execution, error) {
	var e *store.Execution
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		e, err = scanExecution(tx.QueryRowContext(ctx, `UPDATE executions SET lease_owner = ?, lease_until = ?
			WHERE arn = ? AND (lease_owner = ? OR lease_owner = '' OR lease_until <= ? OR status <> 'RUNNING')
			RETURNING `+execSelect, owner, nanos(until), arn, owner, time.Now().UnixNano()))
		if errors.Is(err, sql.ErrNoRows) {
			e, err = nil, nil
		}
		return err
	})
	return e, err
}

// RenewLeases extends every lease owner holds.
func (s *Store) RenewLeases(ctx context.Context, owner string, until time.Time) error {
	if err := s.checkSchema(ctx); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, `UPDATE executions SET lease_until = ? WHERE lease_owner = ? AND status = 'RUNNING'`, nanos(until), owner)
	return err
}

// checkSchema reports store.ErrSchemaNewer when a newer Stepwise has migrated the database
// since this one opened it (another process on the same file).
func (s *Store) checkSchema(ctx context.Context) error {
	applied, err := appliedVersions(ctx, s.r)
	if err != nil {
		return err
	}
	_, err = mig.Pending(s.migrations, applied)
	return err
}

// LeaseOwner returns who holds an execution's lease ("" for no one), for tests and
// diagnostics.
func (s *Store) LeaseOwner(ctx context.Context, arn string) (string, error) {
	var owner string
	err := s.r.QueryRowContext(ctx, `SELECT lease_owner FROM executions WHERE arn = ?`, arn).Scan(&owner)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.ErrNotFound
	}
	return owner, err
}

// ReleaseLeases frees every lease owner holds.
func (s *Store) ReleaseLeases(ctx context.Context, owner string) error {
	_, err := s.w.ExecContext(ctx, `UPDATE executions SET lease_owner = '', lease_until = ? WHERE lease_owner = ?`, int64(free), owner)
	return err
}

// Park gives up owner's lease on arn without making the execution an orphan.
func (s *Store) Park(ctx context.Context, owner, arn string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE executions SET lease_owner = '', lease_until = ? WHERE arn = ? AND lease_owner = ?`,
			int64(parked), arn, owner)
		return err
	})
}

// Unleased lists running executions whose lease is free or expired at now, oldest first.
func (s *Store) Unleased(ctx context.Context, now time.Time, n int) ([]string, error) {
	rows, err := s.r.QueryContext(ctx, `SELECT arn FROM executions WHERE status = 'RUNNING' AND lease_until <= ?
		ORDER BY id LIMIT ?`, nanos(now), limit(n))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var arns []string
	for rows.Next() {
		var arn string
		if err := rows.Scan(&arn); err != nil {
			return nil, err
		}
		arns = append(arns, arn)
	}
	return arns, rows.Err()
}
