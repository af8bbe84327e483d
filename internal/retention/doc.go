// Package retention deletes closed executions once their retention period has passed, as
// AWS does 90 days after an execution closes: a loop that asks the store to purge small
// batches, with pauses between them so that the foreground keeps the store.
//
// A FAILED, TIMED_OUT or ABORTED execution can be redriven for 14 days after it closed
// (RedriveExecution's window on AWS): it is kept at least that long whatever the retention.
//
// The log events kept of Express executions for the console (store.ExpressLogs) go the same
// way, by the time of their last event: each round purges a batch of them after the batch
// of executions, and the pause that follows is for the time of both.
package retention
