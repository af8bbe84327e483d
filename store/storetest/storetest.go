package storetest

import (
	"testing"

	"github.com/stepwise-run/stepwise/store"
)

// Run runs the whole suite; open must return a new, empty store for each call and close it
// (or arrange to) when t ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, store.Store)
	}{
		{"StateMachines", testStateMachines},
		{"Revisions", testRevisions},
		{"ListStateMachines", testListStateMachines},
		{"Executions", testExecutions},
		{"History", testHistory},
		{"EventsRoundTrip", testEventsRoundTrip},
		{"Conflict", testConflict},
		{"ConflictConcurrent", testConflictConcurrent},
		{"CreateConcurrent", testCreateConcurrent},
		{"Timers", testTimers},
		{"Tasks", testTasks},
		{"ListExecutions", testListExecutions},
		{"ListExecutionsFilters", testListExecutionsFilters},
		{"Leases", testLeases},
		{"LeaseExecution", testLeaseExecution},
		{"CreateLeased", testCreateLeased},
		{"LeaseConcurrent", testLeaseConcurrent},
		{"LeaseMany", testLeaseMany},
		{"Atomicity", testAtomicity},
		{"CreateAtomicity", testCreateAtomicity},
		{"Activities", testActivities},
		{"ClaimActivityTask", testClaimActivityTask},
		{"Tags", testTags},
		{"CreateTagged", testCreateTagged},
		{"Versions", testVersions},
		{"PublishConcurrent", testPublishConcurrent},
		{"Aliases", testAliases},
		{"ExecutionOrigins", testExecutionOrigins},
		{"MapRuns", testMapRuns},
		{"MapRunChildren", testMapRunChildren},
		{"MapRunChildrenMany", testMapRunChildrenMany},
		{"MapRunChildTwice", testMapRunChildTwice},
		{"Redrive", testRedrive},
		{"EndedHoldsNoLease", testEndedHoldsNoLease},
		{"Purge", testPurge},
		{"ScheduleGroups", testScheduleGroups},
		{"Schedules", testSchedules},
		{"ScheduleClaims", testScheduleClaims},
		{"Outbox", testOutbox},
		{"OutboxLease", testOutboxLease},
		{"OutboxLeaseConcurrent", testOutboxLeaseConcurrent},
		{"ExpressLogs", testExpressLogs},
		{"ExpressLogsDeleted", testExpressLogsDeleted},
		{"ExpressLogsPurge", testExpressLogsPurge},
		{"ExpressLogsConcurrent", testExpressLogsConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}
