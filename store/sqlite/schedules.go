package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

var _ store.Schedules = (*Store)(nil)

const groupColumns = `name, arn, created_at, updated_at, client_token`

func scanGroup(r rowScanner) (*store.ScheduleGroup, error) {
	var g store.ScheduleGroup
	var created, updated int64
	if err := r.Scan(&g.Name, &g.Arn, &created, &updated, &g.ClientToken); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromNanos(created), fromNanos(updated)
	return &g, nil
}

func (s *Store) CreateScheduleGroup(ctx context.Context, g *store.ScheduleGroup) error {
	return s.createTagged(ctx, `INSERT INTO schedule_groups (`+groupColumns+`) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, []any{g.Name, g.Arn, nanos(g.CreatedAt), nanos(g.UpdatedAt), g.ClientToken}, g.Arn, g.Tags)
}

func (s *Store) GetScheduleGroup(ctx context.Context, name string) (*store.ScheduleGroup, error) {
	g, err := scanGroup(s.r.QueryRowContext(ctx, `SELECT `+groupColumns+` FROM schedule_groups WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return g, err
}

func (s *Store) DeleteScheduleGroup(ctx context.Context, name string) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var arn string
		err := tx.QueryRowContext(ctx, `SELECT arn FROM schedule_groups WHERE name = ?`, name).Scan(&arn)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM schedules WHERE group_name = ?`, `DELETE FROM schedule_groups WHERE name = ?`} {
			if _, err := tx.ExecContext(ctx, q, name); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM tags WHERE resource_arn = ?`, arn)
		return err
	})
}

func (s *Store) ListScheduleGroups(ctx context.Context, prefix string, p store.Page) ([]*store.ScheduleGroup, string, error) {
	after := ""
	if p.Token != "" {
		var err error
		if after, err = page.Decode("sgr", p.Token); err != nil {
			return nil, "", err
		}
	}
	n := page.Limit(p.Limit)
	rows, err := s.r.QueryContext(ctx, `SELECT `+groupColumns+` FROM schedule_groups
		WHERE name > ? AND substr(name, 1, length(?)) = ? ORDER BY name LIMIT ?`, after, prefix, prefix, n+1)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var gs []*store.ScheduleGroup
	for rows.Next() {
		g, err := scanGroup(rows)
		if err != nil {
			return nil, "", err
		}
		gs = append(gs, g)
	}
	if err := rows.Err(); err != nil {
		return nil, "", err
	}
	if len(gs) > n {
		return gs[:n], page.Encode("sgr", gs[n-1].Name), nil
	}
	return gs, "", nil
}

const scheduleColumns = `group_name, name, arn, state, config, created_at, updated_at, next_fire, due, attempt, version`

func scanSchedule(r rowScanner) (*store.Schedule, error) {
	var sc store.Schedule
	var created, updated int64
	var next, due sql.NullInt64
	if err := r.Scan(&sc.Group, &sc.Name, &sc.Arn, &sc.State, &sc.Config, &created, &updated, &next, &due, &sc.Attempt, &sc.Version); err != nil {
		return nil, err
	}
	sc.CreatedAt, sc.UpdatedAt = fromNanos(created), fromNanos(updated)
	sc.NextFire, sc.Due = fromNanosPtr(next), fromNanosPtr(due)
	return &sc, nil
}

func (s *Store) CreateSchedule(ctx context.Context, sc *store.Schedule) error {
	return s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM schedule_groups WHERE name = ?`, sc.Group).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO schedules (`+scheduleColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
			ON CONFLICT (group_name, name) DO NOTHING`, sc.Group, sc.Name, sc.Arn, sc.State, sc.Config,
			nanos(sc.CreatedAt), nanos(sc.UpdatedAt), nanosPtr(sc.NextFire), nanosPtr(sc.Due), sc.Attempt)
		if err := affected(res, err, store.ErrExists); err != nil {
			return err
		}
		sc.Version = 1
		return nil
	})
}

func (s *Store) GetSchedule(ctx context.Context, group, name string) (*store.Schedule, error) {
	sc, err := scanSchedule(s.r.QueryRowContext(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE group_name = ? AND name = ?`, group, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return sc, err
}

func (s *Store) UpdateSchedule(ctx context.Context, sc *store.Schedule) error {
	var version int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `UPDATE schedules SET state = ?, config = ?, updated_at = ?, next_fire = ?, due = ?,
			attempt = ?, version = version + 1, owner = '', claim_until = 0
			WHERE group_name = ? AND name = ? RETURNING version`, sc.State, sc.Config, nanos(sc.UpdatedAt),
			nanosPtr(sc.NextFire), nanosPtr(sc.Due), sc.Attempt, sc.Group, sc.Name).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrNotFound
		}
		return err
	})
	if err == nil {
		sc.Version = version
	}
	return err
}

func (s *Store) DeleteSchedule(ctx context.Context, group, name string) error {
	res, err := s.w.ExecContext(ctx, `DELETE FROM schedules WHERE group_name = ? AND name = ?`, group, name)
	return affected(res, err, store.ErrNotFound)
}

func (s *Store) ListSchedules(ctx context.Context, f store.ScheduleFilter, p store.Page) ([]*store.Schedule, string, error) {
	afterGroup, afterName := "", ""
	if p.Token != "" {
		key, err := page.Decode("sch", p.Token)
		if err != nil {
			return nil, "", err
		}
		var ok bool
		if afterGroup, afterName, ok = strings.Cut(key, "\x00"); !ok {
			return nil, "", store.ErrInvalidToken
		}
	}
	n := page.Limit(p.Limit)
	q := `SELECT ` + scheduleColumns + ` FROM schedules WHERE (group_name, name) > (?, ?)`
	args := []any{afterGroup, afterName}
	if f.Group != "" {
		q += ` AND group_name = ?`
		args = append(args, f.Group)
	}
	if f.NamePrefix != "" {
		q += ` AND substr(name, 1, length(?)) = ?`
		args = append(args, f.NamePrefix, f.NamePrefix)
	}
	if f.State != "" {
		q += ` AND state = ?`
		args = append(args, f.State)
	}
	q += ` ORDER BY group_name, name LIMIT ?`
	args = append(args, n+1)
	scs, err := s.querySchedules(ctx, s.r, q, args...)
	if err != nil {
		return nil, "", err
	}
	if len(scs) > n {
		last := scs[n-1]
		return scs[:n], page.Encode("sch", last.Group+"\x00"+last.Name), nil
	}
	return scs, "", nil
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func (s *Store) querySchedules(ctx context.Context, db querier, q string, args ...any) ([]*store.Schedule, error) {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var scs []*store.Schedule
	for rows.Next() {
		sc, err := scanSchedule(rows)
		if err != nil {
			return nil, err
		}
		scs = append(scs, sc)
	}
	return scs, rows.Err()
}

// ClaimSchedules claims due schedules; the single writer makes each claim exclusive.
func (s *Store) ClaimSchedules(ctx context.Context, owner string, now, until time.Time, limit int) ([]*store.Schedule, error) {
	var scs []*store.Schedule
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		scs, err = s.querySchedules(ctx, tx, `UPDATE schedules SET owner = ?, claim_until = ?
			WHERE (group_name, name) IN (SELECT group_name, name FROM schedules
				WHERE due IS NOT NULL AND due <= ? AND claim_until <= ? ORDER BY due LIMIT ?)
			RETURNING `+scheduleColumns, owner, nanos(until), nanos(now), nanos(now), limit)
		return err
	})
	return scs, err
}

func (s *Store) NextScheduleDue(ctx context.Context) (time.Time, error) {
	var due int64
	err := s.r.QueryRowContext(ctx, `SELECT due FROM schedules WHERE due IS NOT NULL ORDER BY due LIMIT 1`).Scan(&due)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, store.ErrNotFound
	}
	return fromNanos(due), err
}

func (s *Store) AdvanceSchedule(ctx context.Context, owner string, sc *store.Schedule, remove bool) error {
	var version int64
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if remove {
			res, err := tx.ExecContext(ctx, `DELETE FROM schedules WHERE group_name = ? AND name = ? AND version = ? AND owner = ?`,
				sc.Group, sc.Name, sc.Version, owner)
			return affected(res, err, store.ErrConflict)
		}
		err := tx.QueryRowContext(ctx, `UPDATE schedules SET next_fire = ?, due = ?, attempt = ?, version = version + 1,
			owner = '', claim_until = 0 WHERE group_name = ? AND name = ? AND version = ? AND owner = ? RETURNING version`,
			nanosPtr(sc.NextFire), nanosPtr(sc.Due), sc.Attempt, sc.Group, sc.Name, sc.Version, owner).Scan(&version)
		if errors.Is(err, sql.ErrNoRows) {
			return store.ErrConflict
		}
		return err
	})
	if err == nil && !remove {
		sc.Version = version
	}
	return err
}
