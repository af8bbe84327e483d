package store

import (
	"context"
	"time"
)

// ScheduleGroup is an EventBridge Scheduler schedule group.
type ScheduleGroup struct {
	Arn       string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
	// ClientToken is the token of the CreateScheduleGroup call that made the group (empty
	// when it had none): a retry of that call is told apart from another call by it.
	ClientToken string
	// Tags are written by CreateScheduleGroup with the group, in its transaction; reads leave
	// them empty (ListTags reads them).
	Tags []Tag
}

// Schedule is an EventBridge Scheduler schedule: its definition, kept as the JSON the API
// returns, and where its firings stand.
type Schedule struct {
	Arn   string
	Group string
	Name  string
	State string // ENABLED or DISABLED
	// Config is the definition as JSON (expression, time zone, dates, target...), which the
	// store keeps but does not interpret.
	Config    string
	CreatedAt time.Time
	UpdatedAt time.Time

	// NextFire is the scheduled time of the next firing, Due when a node should attempt it
	// (later than NextFire within a flexible time window, or after a failed attempt); both
	// nil when no firing is left (disabled, or past its last). Attempt counts the attempts
	// of that firing that failed.
	NextFire *time.Time
	Due      *time.Time
	Attempt  int
	// Version increases with every write; AdvanceSchedule expects the version it claimed.
	Version int64
}

// ScheduleFilter selects schedules for ListSchedules; empty fields select all.
type ScheduleFilter struct {
	Group      string
	NamePrefix string
	State      string
}

// Schedules is what the scheduler keeps: schedule groups (their tags through TagResource),
// schedules, and the claims by which one node fires each firing. Both stores implement it.
type Schedules interface {
	// CreateScheduleGroup stores g; ErrExists when a group has its name.
	CreateScheduleGroup(ctx context.Context, g *ScheduleGroup) error
	GetScheduleGroup(ctx context.Context, name string) (*ScheduleGroup, error)
	// DeleteScheduleGroup removes a group with its schedules and tags; ErrNotFound when
	// there is none.
	DeleteScheduleGroup(ctx context.Context, name string) error
	// ListScheduleGroups lists groups whose name starts with prefix, in name order.
	ListScheduleGroups(ctx context.Context, prefix string, p Page) ([]*ScheduleGroup, string, error)

	// CreateSchedule stores s with Version 1; ErrExists when its group has a schedule of its
	// name, ErrNotFound when the group does not exist.
	CreateSchedule(ctx context.Context, s *Schedule) error
	GetSchedule(ctx context.Context, group, name string) (*Schedule, error)
	// UpdateSchedule replaces a schedule's state, definition, update time and firing, and
	// moves its version on (a claim on the previous definition can no longer advance it);
	// ErrNotFound when there is none.
	UpdateSchedule(ctx context.Context, s *Schedule) error
	DeleteSchedule(ctx context.Context, group, name string) error
	// ListSchedules lists schedules in group then name order.
	ListSchedules(ctx context.Context, f ScheduleFilter, p Page) ([]*Schedule, string, error)

	// ClaimSchedules claims for owner, until until, up to limit schedules due at or before
	// now that no other node holds (a claim that expired is free), earliest due first. Only
	// one node wins each claim.
	ClaimSchedules(ctx context.Context, owner string, now, until time.Time, limit int) ([]*Schedule, error)
	// NextScheduleDue returns the earliest due time, or ErrNotFound.
	NextScheduleDue(ctx context.Context) (time.Time, error)
	// AdvanceSchedule writes the outcome of a firing owner claimed: s's NextFire, Due and
	// Attempt, or, when remove is set, deletes the schedule (ActionAfterCompletion DELETE).
	// It releases the claim. ErrConflict when the schedule changed since s.Version or owner
	// no longer holds it.
	AdvanceSchedule(ctx context.Context, owner string, s *Schedule, remove bool) error
}
