// Package storetest is the suite every store.Store passes. A store's own test calls Run with
// a function that opens a fresh, empty store; Run opens one per subtest.
//
// The suite pins down what store.go leaves to words:
//   - Every write of an execution (CreateExecution included) stores Version+1 of the version
//     in the Commit, and LastEventID is the larger of the one given and the newest event's.
//   - Stores keep times to the microsecond at least, and return them in UTC.
//   - History of an unknown execution is ErrNotFound; of a known one past its end, empty.
//     Limits <= 0 mean no limit, except in a Page: there they mean 100, and pages hold at
//     most 1,000.
//   - DueTimers, NextTimer, PendingTasks and Unleased see running executions only;
//     TaskByToken finds any task not cancelled, whatever its execution's status.
//   - Lease judges expiry by the store's clock; a lease until a past time is already free.
//   - Events round-trip exactly: their JSON before and after is the same.
package storetest
