package engine

import (
	"time"

	"github.com/stepwise-run/stepwise/asl/budget"
	"github.com/stepwise-run/stepwise/history"
)

// Status is an execution's status, as DescribeExecution reports it.
type Status string

const (
	Running   Status = "RUNNING"
	Succeeded Status = "SUCCEEDED"
	Failed    Status = "FAILED"
	TimedOut  Status = "TIMED_OUT"
	Aborted   Status = "ABORTED"
)

// Config holds what the engine needs to know about where it runs.
type Config struct {
	Region  string
	Account string
	// MaxHistoryEvents is the history quota (AWS: 25,000). Zero means the AWS figure.
	MaxHistoryEvents int64
	// MaxPayloadBytes is the payload limit for inputs, outputs and results (AWS: 256 KiB).
	MaxPayloadBytes int
	// Express marks an Express execution (no history quota).
	Express bool
	// ActivityExists tells whether an activity ARN names an activity, when a Task state is
	// about to schedule it (a driver's lookup: a task of an unknown activity fails the
	// execution with States.Runtime, as AWS). Nil: every activity exists.
	ActivityExists func(arn string) bool
	// CheckTask tells, before a Task state schedules a service integration's task (its ID
	// not yet set), whether the integration can use its evaluated parameters: a driver's
	// check, from what the integrations know of their APIs. An error, worded as AWS words the
	// problem ("The field \"X\" is not supported by Step Functions"), fails the state with
	// States.Runtime, "The Parameters '<parameters>' could not be used to start the Task:
	// [<error>]", and nothing is scheduled, as AWS records it. Nil: no check.
	CheckTask func(t *Task) error
	// EvalLimits bound every JSONata, JSONPath and intrinsic evaluation (package budget;
	// zero fields: its defaults). They count work, not time, so an execution replays alike.
	EvalLimits budget.Limits
	// Context, when set, is the Context object every state reads ($$, $states.context) as
	// given, in place of the one the engine builds: TestState's context parameter, which AWS
	// uses wholesale (an empty object gives an empty $$). A Map's ItemSelector still sees
	// its Map.Item.
	Context map[string]any
	// TestState marks the one-state runs of the TestState API, whose Context object AWS
	// builds without Execution.RedriveCount, with a null RoleArn when the test gave no role,
	// and with the state named "StateName" (test_state/test_test_state_scenarios).
	TestState bool
}

const (
	defaultMaxHistoryEvents = 25000
	defaultMaxPayloadBytes  = 256 * 1024
)

// Start describes a new execution.
type Start struct {
	ExecutionArn     string
	Name             string
	StateMachineArn  string
	StateMachineName string
	RoleArn          string
	// Input is the execution input as JSON text.
	Input string
	Time  time.Time
	// Seed makes every random choice of the execution (UUIDs, jitter) reproducible.
	Seed int64
	// VersionArn and AliasArn are recorded in ExecutionStarted when the execution was started
	// through a version or an alias.
	VersionArn string
	AliasArn   string
	// Defer leaves the first state to a timer due at once: Start then returns the
	// ExecutionStarted step alone, whatever the first states compute, and its driver can
	// acknowledge the start as soon as that step is durable.
	Defer bool
	// Sync marks an Express execution started with StartSyncExecution: AWS gives its Context
	// object no Execution.RedriveCount (express/test_express_sync; an Express execution
	// started with StartExecution has RedriveCount 0, test_express_async).
	Sync bool
}

// Event is something that happened outside the engine and moves an execution forward.
type Event struct {
	Time time.Time
	Kind EventKind
	// TaskID names the task for task events; TimerID the timer for TimerFired.
	TaskID  int64
	TimerID int64
	// Output is a task's result as JSON text (TaskSucceeded, TaskSubmitted).
	Output string
	// Error and Cause describe a failure (TaskFailed, Stop).
	Error string
	Cause string
	// HasError is set when Error was given (an empty error differs from none).
	HasError bool
	HasCause bool
	// WorkerName is the activity worker that took the task (TaskStarted).
	WorkerName string
	// MapRun is what UpdateMapRun changes.
	MapRun *MapRunUpdate
}

// EventKind names an Event.
type EventKind int

const (
	// TaskStarted: the integration started working on the task.
	TaskStarted EventKind = iota + 1
	// TaskSubmitted: a .sync or .waitForTaskToken task was accepted; Output is the API response.
	TaskSubmitted
	// TaskSucceeded: the task finished with Output.
	TaskSucceeded
	// TaskFailed: the task failed with Error and Cause.
	TaskFailed
	// TaskHeartbeat: the task is alive; it restarts the heartbeat timer.
	TaskHeartbeat
	// TimerFired: a timer set by a StartTimer command is due.
	TimerFired
	// Stop: StopExecution was called.
	Stop
	// UpdateMapRun: UpdateMapRun was called on one of the execution's Distributed Map runs;
	// the new limits apply to iterations not yet started.
	UpdateMapRun
)

// Command is work the engine asks its driver to do.
type Command struct {
	Kind CommandKind
	// ScheduleTask
	Task *Task
	// StartTimer / CancelTimer
	TimerID int64
	At      time.Time
	// CancelTask
	TaskID int64
	// MapRunChanged
	MapRun *MapRunRecord
	// ChildExecutionChanged
	Child *ChildExecution
}

// CommandKind names a Command.
type CommandKind int

const (
	// ScheduleTask: run Task; answer with TaskStarted, then TaskSucceeded or TaskFailed.
	ScheduleTask CommandKind = iota + 1
	// StartTimer: send TimerFired with TimerID at At.
	StartTimer
	// CancelTimer: the timer is no longer wanted.
	CancelTimer
	// CancelTask: the task's result is no longer wanted (its state was aborted or timed out).
	CancelTask
	// MapRunChanged: keep MapRun as the newest record of its Distributed Map run.
	MapRunChanged
	// ChildExecutionChanged: a Distributed Map iteration's child execution started, has new
	// history events, or ended (Child says which); keep them.
	ChildExecutionChanged
)

// Task is a unit of work for an integration.
type Task struct {
	ID int64
	// Resource is the state's Resource ARN as written.
	Resource string
	// ResourceType and ResourceName are how history names the resource, e.g. "lambda" and
	// "invoke", or "states" and "startExecution.sync".
	ResourceType string
	ResourceName string
	// Pattern is "", ".sync", ".sync:2" or ".waitForTaskToken".
	Pattern string
	// Parameters is the effective request as JSON text.
	Parameters string
	// Token is the task token, for .waitForTaskToken and activities.
	Token            string
	TimeoutSeconds   *int64
	HeartbeatSeconds *int64
	// RoleArn is the role from the state's Credentials, if any.
	RoleArn string
	// ExecutionRoleArn is the execution's role: its state machine's when it started (or its
	// version's), which a later UpdateStateMachine does not change. Empty in tasks stored
	// before it was recorded.
	ExecutionRoleArn string
	StateName        string
	Execution        string
	// ScheduledEventID is the id of the TaskScheduled event that scheduled the task, in the
	// history of the execution it runs in (ChildExecution's, when set): tracing's task span
	// is derived from it, and what the task calls goes under that span. 0 for a Lambda
	// function or an activity (LambdaFunctionScheduled, ActivityScheduled: no task span), for
	// a Distributed Map's reads and writes, and in tasks stored before it was recorded.
	ScheduledEventID int64 `json:",omitempty"`
	// ChildExecution is the Distributed Map child execution the Task state runs in, "" for a
	// state of the execution itself (Execution is then the parent's).
	ChildExecution string `json:",omitempty"`
	// Kind is empty for a Task state's task. TaskItemReader and TaskResultWriter are a
	// Distributed Map's S3 reads and writes: Parameters holds the resolved reader or writer
	// Parameters, Config the rest (see engine/mapio.go); no history event records them.
	Kind   string `json:",omitempty"`
	Config string `json:",omitempty"`
}

// Task kinds of a Distributed Map's input and output.
const (
	// TaskItemReader reads a Map's items; TaskSucceeded's Output is the JSON array of items.
	TaskItemReader = "ItemReader"
	// TaskResultWriter writes a Map's results; TaskSucceeded's Output is the
	// ResultWriterDetails object.
	TaskResultWriter = "ResultWriter"
)

// Step is what one call into the engine produced.
type Step struct {
	Events   []history.Event
	Commands []Command
}
