// Package postgres is the store for several Stepwise nodes sharing one PostgreSQL database
// (github.com/jackc/pgx/v5 with a pgxpool pool).
//
// # Writes
//
// A Commit is one round trip: a pgx batch, which PostgreSQL runs as one implicit transaction.
// Its first statement is the optimistic-concurrency guard,
//
//	UPDATE executions SET ..., version = version + 1 WHERE arn = $8 AND version = $9
//
// and when that matches no row (another node advanced the execution, or it does not exist)
// the statement raises an error of this store's own SQLSTATE (the stepwise_fail function of
// the first migration), which aborts the batch, so the events, timers and tasks queued after
// it are never written; the store then tells ErrConflict from ErrNotFound. Two nodes
// committing the same version at once serialise on the row lock, and the second finds the
// version moved. The same UPDATE refuses a step whose events do not all come after the
// stored last_event_id (stepwise_fail again, another SQLSTATE), which rows of one event each
// did by colliding on their primary key. A step's events are one INSERT of one row, timers
// and tasks each one INSERT over arrays (unnest), whatever their number. CreateExecution is the same with INSERT ... ON CONFLICT DO NOTHING as its
// guard. Starts that arrive together are sent as one batch, one transaction, one WAL flush
// (group.go): a taken ARN aborts the group, whose starts then run again one by one. Commits
// are durable when acknowledged (synchronous_commit as the server has it, on by default).
//
// event_chunks, timers and tasks have no foreign key to executions (migration 0008): every
// row takes its execution_id from the execution's row in the same transaction, and the
// trigger that checked each inserted row cost a fifth of the server's CPU for a start.
//
// Against a local PostgreSQL 15, BenchmarkCommit (a Commit of 2 events and a timer) takes
// about 0.30-0.41 ms, 86 allocations; BenchmarkHistory25000 (a History of 25,000 events)
// about 55-66 ms, most of it history.Event.UnmarshalJSON (2026-12-02, Xeon).
//
// # Leases
//
// Lease is one UPDATE over a SELECT ... FOR UPDATE SKIP LOCKED of the executions that are
// free, expired by this node's clock, or the owner's already: two nodes racing for the same
// executions never both get one, and neither waits for the other. Keep the nodes' clocks in
// step (NTP) and leases much longer than the skew.
//
// # Notify and Listen
//
// Store also has Notify and Listen, which the store.Store interface (and so the SQLite
// store) lacks: PostgreSQL's LISTEN/NOTIFY, for a node to wake the others at once (a new
// execution to lease, a task answered) instead of at their next poll. They are hints, not a
// queue: a notification sent while a node is not listening is lost, so nodes keep polling.
//
// # Schema
//
// Tables live in the connection's current schema: set search_path in the URL to keep several
// installations (or test runs) apart in one database. Times are timestamptz (microseconds).
// The events of a step are one row of event_chunks (migration 0010): (execution, first id,
// last id, the events' JSON one per line as text), keyed by the last id, so that a page of
// history starts at the row holding its first event; the store/internal/chunk package makes
// and splits the rows, as for the SQLite store. Migrations are the numbered files in migrations/, applied at Open in one
// transaction under an advisory lock (nodes starting together migrate once) and recorded in
// schema_migrations; a schema migrated by a newer Stepwise is refused.
package postgres
