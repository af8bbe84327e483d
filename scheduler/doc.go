// Package scheduler is EventBridge Scheduler inside Stepwise: the Scheduler API (its REST
// JSON protocol, signing name "scheduler", served on the same endpoint as Step Functions, so
// that `aws scheduler` and the SDKs work unchanged) and the loop that fires schedules.
//
// Schedules live in the store (store.Schedules), so they survive restarts and are shared by
// the nodes of a PostgreSQL installation. A firing goes like this:
//
//  1. a node claims the schedules due now (ClaimSchedules: one node wins each, for a while);
//  2. it starts the target: for a state machine, StartExecution with a name derived from
//     the schedule and the firing's time, so that a node that crashed after starting it, or
//     a second node after an expired claim, finds the execution there (ExecutionAlreadyExists)
//     instead of starting another: each firing starts at most one execution;
//  3. it advances the schedule to its next firing (AdvanceSchedule, which only the claim's
//     holder can do, and only if no one changed the schedule meanwhile).
//
// One timer waits for the earliest due firing (an indexed query), not a poll per schedule;
// other nodes' new schedules are seen within PollInterval. Firings missed while no node ran
// are fired late if they are younger than the target's MaximumEventAgeInSeconds, and dropped
// (and counted) otherwise; failed starts are retried with backoff within the same limits.
package scheduler
