// Package engine is the Step Functions interpreter: a pure, deterministic function from
// (state machine, execution state, event) to (new execution state, history events, commands).
//
// It does no I/O. It never reads the clock (every Event carries its time), never draws
// randomness it was not seeded with, and never calls a task: when a Task state needs work
// done it returns a ScheduleTask command, and when a Wait state or a retry needs time to pass
// it returns a StartTimer command. Whatever drives the engine — the in-process runner behind
// `stepwise run`, the durable runner behind `stepwise serve`, a test — carries the commands
// out and feeds the outcomes back as events.
//
// Because of that, replaying the same events over the same definition rebuilds the same
// execution state and the same history, byte for byte; Express executions, TestState and
// time skipping all come from the same code.
//
// An execution is a tree of frames. The root frame runs the state machine's top-level states;
// a Parallel state starts one child frame per branch and a Map state one per iteration. Each
// frame knows its current state, what it waits for, and the id of its last history event
// (from which the next event's previousEventId comes, as AWS threads them).
//
// A Distributed Map's iterations are child executions: their events go to the child's own
// history, and leave the engine with each step in ChildExecutionChanged commands; the run's
// counters leave in MapRunChanged commands (one per run per step). The parent's state keeps
// only counters and a start time per running child, whatever the number of items.
// An execution that failed, timed out or was aborted keeps its frames where they stopped, so
// that Redrive can go on from there (RedriveExecution): frames that did not succeed enter
// their state again, while a Parallel or Map keeps the branches and iterations that did. A
// Parallel or Map whose failure is retried or caught drops what it kept.
package engine
