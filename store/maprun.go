package store

import "time"

// MapRun is a stored Distributed Map run: the columns ListMapRuns needs, and the engine's
// record of it (limits and counters, for DescribeMapRun) as JSON. A step's Commit carries
// the newest record of every run the step changed, which replaces the stored one.
type MapRun struct {
	Arn          string
	ExecutionArn string
	// StateMachineArn is the run's "state machine" ARN (the parent's ARN with /LABEL).
	StateMachineArn string
	Status          string // RUNNING, SUCCEEDED, FAILED or ABORTED
	StartedAt       time.Time
	StoppedAt       *time.Time
	Record          string
}
