// Package store defines what Stepwise keeps durably and the one interface every store
// implements: store/sqlite (the embedded default) and store/postgres (several nodes). The
// shared suite in store/storetest runs against both.
//
// The unit of durability is the Commit: everything one step of one execution produced (its
// new state, its new history events, the timers it set or cancelled, the tasks it scheduled)
// is written in one transaction, guarded by the execution's version, so that a crash leaves
// either all of a step or none of it, and two nodes can never both advance one execution.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/stepwise-run/stepwise/history"
)

// Errors every store returns for the same conditions (test with errors.Is).
var (
	ErrNotFound = errors.New("not found")
	ErrExists   = errors.New("already exists")
	// ErrConflict: the execution's version moved on (another node advanced it, or the lease
	// was lost).
	ErrConflict = errors.New("version conflict")
	// ErrInvalidToken: a Page.Token that no listing of this store returned.
	ErrInvalidToken = errors.New("invalid page token")
	// ErrSchemaNewer: another Stepwise, newer than this one, has migrated the database.
	// Open refuses such a database; RenewLeases reports it when it happens while this one
	// runs, for the node to stop.
	ErrSchemaNewer = errors.New("database schema is newer than this program knows")
)

// StateMachine is a stored state machine (its latest revision).
type StateMachine struct {
	Arn         string
	Name        string
	Type        string // STANDARD or EXPRESS
	Definition  string
	RoleArn     string
	Status      string // ACTIVE or DELETING
	RevisionID  string
	Description string
	// Config holds the rest of CreateStateMachine's input as JSON (logging, tracing,
	// encryption, tags), which the store keeps but does not interpret.
	Config    string
	CreatedAt time.Time
	UpdatedAt time.Time
	// Tags are written by CreateStateMachine with the state machine, in its transaction, so
	// that it is never seen without them; reads leave them empty (ListTags reads them).
	Tags []Tag
}

// Execution is a stored execution: the fields DescribeExecution and ListExecutions need as
// columns, and the engine's whole state as JSON.
type Execution struct {
	Arn             string
	StateMachineArn string
	Name            string
	Status          string // RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED, PENDING_REDRIVE
	Input           string
	Output          *string
	Error           *string
	Cause           *string
	StartedAt       time.Time
	StoppedAt       *time.Time
	// ParentArn is the execution that started this one (AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID).
	ParentArn string
	// VersionArn and AliasArn are the version the execution runs and the alias it was
	// started through, when it was started on one.
	VersionArn string
	AliasArn   string
	// MapRunArn is set on the child execution of a Distributed Map iteration: its run.
	MapRunArn string
	// TraceHeader is the X-Ray trace header StartExecution was given (traceHeader), which
	// DescribeExecution gives back; set at the start, never changed.
	TraceHeader string
	// TraceParent is the trace context (a W3C traceparent) of the span that started the
	// execution: a traced parent's startExecution task's, under which tracing puts the
	// execution's span. Set at the start, never changed; the API does not show it.
	TraceParent string
	// State is the engine's execution state as JSON; empty once the execution has ended and
	// nothing can resume it (a failed, timed-out or aborted execution keeps it for a redrive;
	// a redriven one that succeeded keeps only its redrives' client tokens).
	State string
	// Version increases with every commit; Commit expects the version it read.
	Version int64
	// LastEventID is the id of the newest history event.
	LastEventID int64
	// RedriveCount is how often the execution was redriven (RedriveExecution), RedriveDate
	// when last.
	RedriveCount int
	RedriveDate  *time.Time
	// RevisionID is the state machine revision the execution runs (empty for executions
	// stored before it was kept, and for those started on a version: VersionArn names it).
	RevisionID string
}

// Timer is a durable timer: when Due passes, the runner feeds TimerFired to the execution.
type Timer struct {
	ExecutionArn string
	ID           int64
	Due          time.Time
}

// Task is a durable record of a scheduled task: what to run, and the token that callbacks
// (SendTaskSuccess and friends) and activity workers use to answer it.
type Task struct {
	ExecutionArn string
	ID           int64
	Token        string
	Resource     string
	// Body is the engine's task description as JSON.
	Body      string
	CreatedAt time.Time
}

// Commit is one step of one execution, written atomically.
type Commit struct {
	// Execution is the new state of the execution (Version is the version read; the store
	// writes Version+1).
	Execution *Execution
	Events    []history.Event
	NewTimers []Timer
	// CancelTimers and CancelTasks name ids of this execution.
	CancelTimers []int64
	NewTasks     []Task
	CancelTasks  []int64
	// MapRuns are the newest records of the Distributed Map runs the step started or
	// changed, stored over the previous ones.
	MapRuns []MapRun
	// Children are the child executions of Distributed Map iterations the step started,
	// advanced or ended: each is stored (created on first sight, its status, outcome and
	// last event id replaced afterwards; never leased) with its new history events.
	Children []ChildStep
	// Outbox are events to deliver (store.Outbox), whole, and StatusChanges status changes of
	// the execution to report, kept by reference (see StatusChange); both are written in the
	// same transaction, Outbox first, when some destination wants them.
	Outbox        []string
	StatusChanges []StatusChange
	// Lease is, for CreateExecution, the lease the new execution starts with, written in the
	// same transaction so that a start is one write; Commit ignores it.
	Lease Lease
}

// ChildStep is what one step of a parent did to one of its Distributed Map children.
type ChildStep struct {
	Execution Execution
	Events    []history.Event
}

// Lease is how CreateExecution leaves a new execution: held by Owner until Until, parked
// (as Park leaves it: it waits only for timers or callbacks), or, the zero Lease, free.
type Lease struct {
	Owner  string
	Until  time.Time
	Parked bool
}

// ExecutionFilter selects executions for ListExecutions.
type ExecutionFilter struct {
	StateMachineArn string
	Status          string // empty for all
	ParentArn       string
	VersionArn      string
	AliasArn        string
	MapRunArn       string
	// Redriven, when set, keeps only executions that were redriven (true) or never (false).
	Redriven *bool
}

// Page asks for one page of a listing. Token is what the previous page returned (empty for
// the first); pages stay stable while rows are added.
type Page struct {
	Token string
	Limit int
}

// Store is the durable state of a Stepwise installation.
type Store interface {
	CreateStateMachine(ctx context.Context, sm *StateMachine) error
	UpdateStateMachine(ctx context.Context, sm *StateMachine) error
	GetStateMachine(ctx context.Context, arn string) (*StateMachine, error)
	DeleteStateMachine(ctx context.Context, arn string) error
	ListStateMachines(ctx context.Context, p Page) ([]*StateMachine, string, error)

	// CreateExecution stores a new execution with its first step; ErrExists when an execution
	// of that ARN exists.
	CreateExecution(ctx context.Context, c Commit) error
	// Commit writes a step; ErrConflict when c.Execution.Version is not the stored version.
	Commit(ctx context.Context, c Commit) error
	GetExecution(ctx context.Context, arn string) (*Execution, error)
	// ListExecutions returns executions newest first.
	ListExecutions(ctx context.Context, f ExecutionFilter, p Page) ([]*Execution, string, error)
	// History returns events with id > afterID in ascending order (descending when reverse,
	// then ids < beforeID; 0 means from the end).
	History(ctx context.Context, arn string, afterID int64, limit int, reverse bool) ([]history.Event, error)

	// GetMapRun returns a Distributed Map run; ErrNotFound when there is none.
	GetMapRun(ctx context.Context, arn string) (*MapRun, error)
	// ListMapRuns lists an execution's map runs newest first.
	ListMapRuns(ctx context.Context, executionArn string, p Page) ([]*MapRun, string, error)

	// DueTimers returns up to limit timers due at or before now, earliest first.
	DueTimers(ctx context.Context, now time.Time, limit int) ([]Timer, error)
	// NextTimer returns the earliest timer, or ErrNotFound.
	NextTimer(ctx context.Context) (Timer, error)
	// TaskByToken finds a pending task by its token.
	TaskByToken(ctx context.Context, token string) (*Task, error)
	// PendingTasks lists the tasks of running executions (for a runner restarting).
	PendingTasks(ctx context.Context, limit int) ([]Task, error)

	// Lease claims executions for owner until the lease expires: a runner works only on
	// executions it holds. Free, parked and expired leases can be claimed, and any lease of an
	// execution that has ended (it guards nothing until a redrive runs it again). Renew
	// extends every lease owner holds.
	Lease(ctx context.Context, owner string, arns []string, until time.Time) ([]string, error)
	// LeaseExecution is Lease of one execution that also returns it, as GetExecution would
	// read it once leased: one write instead of a write and a read, for a node loading an
	// execution to work on it. It returns nil, and no error, when the execution does not
	// exist or another owner holds it.
	LeaseExecution(ctx context.Context, owner, arn string, until time.Time) (*Execution, error)
	RenewLeases(ctx context.Context, owner string, until time.Time) error
	ReleaseLeases(ctx context.Context, owner string) error
	// Park gives up owner's lease on an execution that waits only for timers or callbacks:
	// any node may lease it again when it has something to do, and Unleased does not list it
	// (it is not orphaned).
	Park(ctx context.Context, owner, arn string) error
	// Unleased lists running executions whose lease is free or expired (not parked ones).
	Unleased(ctx context.Context, now time.Time, limit int) ([]string, error)

	// CreateActivity stores a; ErrExists when its ARN is taken.
	CreateActivity(ctx context.Context, a *Activity) error
	GetActivity(ctx context.Context, arn string) (*Activity, error)
	// DeleteActivity removes an activity and its tags; ErrNotFound when there is none.
	DeleteActivity(ctx context.Context, arn string) error
	// ListActivities lists activities in ARN order.
	ListActivities(ctx context.Context, p Page) ([]*Activity, string, error)
	// ClaimActivityTask hands out the oldest task of a running execution scheduled on the
	// activity arn that no worker has taken yet, and marks it taken so that no other
	// poller (of this node or another) gets it; ErrNotFound when there is none.
	ClaimActivityTask(ctx context.Context, activityArn string, now time.Time) (*Task, error)

	// TagResource adds tags to a resource (a state machine or an activity), replacing the
	// values of keys it has; UntagResource removes keys; ListTags lists them in key order.
	TagResource(ctx context.Context, arn string, tags []Tag) error
	UntagResource(ctx context.Context, arn string, keys []string) error
	ListTags(ctx context.Context, arn string) ([]Tag, error)

	// GetRevision returns a state machine as it was at one of its revisions (every revision
	// is kept while the machine exists); ErrNotFound when there is no such revision.
	GetRevision(ctx context.Context, arn, revisionID string) (*StateMachine, error)
	// PublishVersion stores v as the next version of v.StateMachineArn and sets v.Number and
	// v.Arn; when the newest version already has v.RevisionID it stores nothing and fills v
	// with that version (publishing is idempotent). ErrNotFound when the state machine does
	// not exist. Deleting a state machine deletes its versions and aliases.
	PublishVersion(ctx context.Context, v *Version) error
	GetVersion(ctx context.Context, arn string) (*Version, error)
	// ListVersions lists a state machine's versions newest first.
	ListVersions(ctx context.Context, stateMachineArn string, p Page) ([]*Version, string, error)
	// DeleteVersion removes a version; ErrNotFound when there is none.
	DeleteVersion(ctx context.Context, arn string) error
	// CreateAlias stores a; ErrExists when its ARN is taken, ErrNotFound when its state
	// machine does not exist.
	CreateAlias(ctx context.Context, a *Alias) error
	GetAlias(ctx context.Context, arn string) (*Alias, error)
	// UpdateAlias replaces a's description, routing and update time; ErrNotFound when there
	// is none.
	UpdateAlias(ctx context.Context, a *Alias) error
	// DeleteAlias removes an alias; ErrNotFound when there is none.
	DeleteAlias(ctx context.Context, arn string) error
	// ListAliases lists a state machine's aliases in name order.
	ListAliases(ctx context.Context, stateMachineArn string, p Page) ([]*Alias, string, error)

	// PurgeExecutions deletes, in one transaction, closed executions that p selects, oldest
	// stop date first, with everything that belongs to them: their history, timers, tasks
	// (activity tasks included), tags, map runs, and their map runs' child executions with
	// theirs. Children of Distributed Maps are never selected on their own: they go with
	// their parent, and count towards p.Limit: no parent is taken once the executions
	// deleted reach it (one parent with more children than the limit is still taken whole).
	// It returns how many executions it deleted, children included (0 when none is left),
	// or ErrPurgeBusy when another node is purging.
	PurgeExecutions(ctx context.Context, p Purge) (int, error)

	Close() error
}
