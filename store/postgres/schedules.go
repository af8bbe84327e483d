package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/stepwise-run/stepwise/store"
	"github.com/stepwise-run/stepwise/store/internal/page"
)

var _ store.Schedules = (*Store)(nil)

const groupColumns = `name, arn, created_at, updated_at, client_token`

func scanGroup(r pgx.Row) (*store.ScheduleGroup, error) {
	var g store.ScheduleGroup
	if err := r.Scan(&g.Name, &g.Arn, &g.CreatedAt, &g.UpdatedAt, &g.ClientToken); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = g.CreatedAt.UTC(), g.UpdatedAt.UTC()
	return &g, nil
}

func (s *Store) CreateScheduleGroup(ctx context.Context, g *store.ScheduleGroup) error {
	return s.createTagged(ctx, `INSERT INTO schedule_groups (`+groupColumns+`) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (name) DO NOTHING`, []any{g.Name, g.Arn, g.CreatedAt, g.UpdatedAt, g.ClientToken}, g.Tags)
}

func (s *Store) GetScheduleGroup(ctx context.Context, name string) (*store.ScheduleGroup, error) {
	g, err := scanGroup(s.pool.QueryRow(ctx, `SELECT `+groupColumns+` FROM schedule_groups WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return g, err
}

// DeleteScheduleGroup removes a group, its schedules and its tags in one statement.
func (s *Store) DeleteScheduleGroup(ctx context.Context, name string) error {
	tag, err := s.pool.Exec(ctx, `WITH g AS (DELETE FROM schedule_groups WHERE name = $1 RETURNING arn),
			sc AS (DELETE FROM schedules WHERE group_name = $1),
			t AS (DELETE FROM tags WHERE resource_arn IN (SELECT arn FROM g))
		SELECT 1 FROM g`, name)
	return affected(tag, err, store.ErrNotFound)
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
	rows, err := s.pool.Query(ctx, `SELECT `+groupColumns+` FROM schedule_groups
		WHERE name > $1 AND left(name, length($2)) = $2 ORDER BY name LIMIT $3`, after, prefix, n+1)
	if err != nil {
		return nil, "", err
	}
	gs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.ScheduleGroup, error) { return scanGroup(r) })
	if err != nil {
		return nil, "", err
	}
	if len(gs) > n {
		return gs[:n], page.Encode("sgr", gs[n-1].Name), nil
	}
	return gs, "", nil
}

const scheduleColumns = `group_name, name, arn, state, config, created_at, updated_at, next_fire, due, attempt, version`

func scanSchedule(r pgx.Row) (*store.Schedule, error) {
	var sc store.Schedule
	if err := r.Scan(&sc.Group, &sc.Name, &sc.Arn, &sc.State, &sc.Config, &sc.CreatedAt, &sc.UpdatedAt,
		&sc.NextFire, &sc.Due, &sc.Attempt, &sc.Version); err != nil {
		return nil, err
	}
	sc.CreatedAt, sc.UpdatedAt = sc.CreatedAt.UTC(), sc.UpdatedAt.UTC()
	for _, t := range []*time.Time{sc.NextFire, sc.Due} {
		if t != nil {
			*t = t.UTC()
		}
	}
	return &sc, nil
}

func (s *Store) collectSchedules(ctx context.Context, q string, args ...any) ([]*store.Schedule, error) {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (*store.Schedule, error) { return scanSchedule(r) })
}

// CreateSchedule inserts the schedule if its group exists, in one statement.
func (s *Store) CreateSchedule(ctx context.Context, sc *store.Schedule) error {
	var inserted, group bool
	err := s.pool.QueryRow(ctx, `WITH g AS (SELECT 1 FROM schedule_groups WHERE name = $1),
			i AS (INSERT INTO schedules (`+scheduleColumns+`)
				SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1 FROM g
				ON CONFLICT (group_name, name) DO NOTHING RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM i), EXISTS (SELECT 1 FROM g)`, sc.Group, sc.Name, sc.Arn, sc.State, sc.Config,
		sc.CreatedAt, sc.UpdatedAt, sc.NextFire, sc.Due, sc.Attempt).Scan(&inserted, &group)
	switch {
	case err != nil:
		return err
	case !group:
		return store.ErrNotFound
	case !inserted:
		return store.ErrExists
	}
	sc.Version = 1
	return nil
}

func (s *Store) GetSchedule(ctx context.Context, group, name string) (*store.Schedule, error) {
	sc, err := scanSchedule(s.pool.QueryRow(ctx, `SELECT `+scheduleColumns+` FROM schedules WHERE group_name = $1 AND name = $2`, group, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, store.ErrNotFound
	}
	return sc, err
}

func (s *Store) UpdateSchedule(ctx context.Context, sc *store.Schedule) error {
	var version int64
	err := s.pool.QueryRow(ctx, `UPDATE schedules SET state = $3, config = $4, updated_at = $5, next_fire = $6, due = $7,
		attempt = $8, version = version + 1, owner = '', claim_until = 'epoch'
		WHERE group_name = $1 AND name = $2 RETURNING version`, sc.Group, sc.Name, sc.State, sc.Config, sc.UpdatedAt,
		sc.NextFire, sc.Due, sc.Attempt).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	if err == nil {
		sc.Version = version
	}
	return err
}

func (s *Store) DeleteSchedule(ctx context.Context, group, name string) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM schedules WHERE group_name = $1 AND name = $2`, group, name)
	return affected(tag, err, store.ErrNotFound)
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
	q := `SELECT ` + scheduleColumns + ` FROM schedules WHERE (group_name, name) > ($1, $2)`
	args := []any{afterGroup, afterName}
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + strings.ReplaceAll(cond, "$?", "$"+strconv.Itoa(len(args)))
	}
	if f.Group != "" {
		add(`group_name = $?`, f.Group)
	}
	if f.NamePrefix != "" {
		add(`left(name, length($?)) = $?`, f.NamePrefix)
	}
	if f.State != "" {
		add(`state = $?`, f.State)
	}
	args = append(args, n+1)
	q += ` ORDER BY group_name, name LIMIT $` + strconv.Itoa(len(args))
	scs, err := s.collectSchedules(ctx, q, args...)
	if err != nil {
		return nil, "", err
	}
	if len(scs) > n {
		last := scs[n-1]
		return scs[:n], page.Encode("sch", last.Group+"\x00"+last.Name), nil
	}
	return scs, "", nil
}

// ClaimSchedules claims due schedules; SKIP LOCKED lets nodes claiming at once take
// different schedules, and the claim_until test keeps a claim held until it expires.
func (s *Store) ClaimSchedules(ctx context.Context, owner string, now, until time.Time, limit int) ([]*store.Schedule, error) {
	return s.collectSchedules(ctx, `WITH c AS (
			SELECT group_name, name FROM schedules WHERE due IS NOT NULL AND due <= $3 AND claim_until <= $3
			ORDER BY due LIMIT $4 FOR UPDATE SKIP LOCKED
		)
		UPDATE schedules s SET owner = $1, claim_until = $2 FROM c
		WHERE s.group_name = c.group_name AND s.name = c.name
		RETURNING s.group_name, s.name, s.arn, s.state, s.config, s.created_at, s.updated_at, s.next_fire, s.due, s.attempt, s.version`,
		owner, until, now, limit)
}

func (s *Store) NextScheduleDue(ctx context.Context) (time.Time, error) {
	var due time.Time
	err := s.pool.QueryRow(ctx, `SELECT due FROM schedules WHERE due IS NOT NULL ORDER BY due LIMIT 1`).Scan(&due)
	if errors.Is(err, pgx.ErrNoRows) {
		return time.Time{}, store.ErrNotFound
	}
	return due.UTC(), err
}

func (s *Store) AdvanceSchedule(ctx context.Context, owner string, sc *store.Schedule, remove bool) error {
	if remove {
		tag, err := s.pool.Exec(ctx, `DELETE FROM schedules WHERE group_name = $1 AND name = $2 AND version = $3 AND owner = $4`,
			sc.Group, sc.Name, sc.Version, owner)
		return affected(tag, err, store.ErrConflict)
	}
	var version int64
	err := s.pool.QueryRow(ctx, `UPDATE schedules SET next_fire = $5, due = $6, attempt = $7, version = version + 1,
		owner = '', claim_until = 'epoch' WHERE group_name = $1 AND name = $2 AND version = $3 AND owner = $4 RETURNING version`,
		sc.Group, sc.Name, sc.Version, owner, sc.NextFire, sc.Due, sc.Attempt).Scan(&version)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrConflict
	}
	if err == nil {
		sc.Version = version
	}
	return err
}
