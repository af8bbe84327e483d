// Package sqlite is the embedded store: one SQLite file, no server, no configuration, and no
// cgo (the driver is modernc.org/sqlite, SQLite translated to Go).
//
// # Connections
//
// One connection writes and a pool of query_only connections reads. Every write is a
// BEGIN IMMEDIATE transaction on the writer, so writes queue in Go instead of meeting
// SQLITE_BUSY, while readers, in WAL mode, see the last commit without blocking it. A busy
// timeout of 10s covers another process holding the lock (a second Stepwise on the same
// file, a backup).
//
// # Durability
//
// The journal is WAL with synchronous=FULL: every commit is fsynced to the WAL before Commit
// returns. An acknowledged StartExecution therefore survives a kill -9 of the process (that
// much WAL with synchronous=NORMAL would give too, since the commit is in the WAL file,
// which the OS keeps once write returns) and also an OS crash or a power cut, which NORMAL
// would not survive: under NORMAL the last commits before the cut may roll back. FULL costs
// about 0.18 ms a commit on this machine's disk (figures below); a Step Functions engine that
// answered StartExecution and then forgot the execution would be wrong, so it is worth it.
// TestKill9 checks that every acknowledged commit is there after a kill -9.
//
// # The driver
//
// The two pure-Go drivers the module proxy serves were measured on this workload, through
// database/sql, WAL, one writer connection, with a cut-down version of this package's schema
// (executions, events, timers): 5,000 Commits of an UPDATE, 3 events and a timer each, then
// one read of 25,000 events (2 cores, ext4; both embed SQLite 3.54.1):
//
//	                              modernc.org/sqlite v1.62.0      github.com/ncruces/go-sqlite3 v0.37.0
//	commit, synchronous=NORMAL    71-75 µs, 52 allocs             68-71 µs, 46 allocs
//	commit, synchronous=FULL      254-265 µs, 52 allocs           254 µs, 46 allocs
//	read 25,000 events            19-21 ms, 225k allocs, 11.9 MB  19-23 ms, 275k allocs, 13.1 MB
//	binary (hello world)          10.0 MB                         13.3 MB
//	memory of 8 connections       +2.8 MB RSS                     +5.4 MB RSS
//
// Speed is a tie: under FULL the fsync is the cost, and both run the same SQLite. modernc
// wins the read path on allocations (the History of a long execution is the API's biggest
// read), builds smaller binaries, and has the larger user base; ncruces, a wasm build of
// SQLite translated by wasm2go, allocates a little less per write and supports more
// platforms. modernc it is.
//
// # Figures
//
// BenchmarkCommit (a Commit of 2 events and a timer) takes about 0.29 ms, 92 allocations;
// BenchmarkHistory25000 (a History of 25,000 events) about 150 ms, of which about 85% is
// history.Event.UnmarshalJSON and 20 ms the reading itself.
//
// # Schema
//
// Times are INTEGER nanoseconds since the Unix epoch and JSON is TEXT. The events of a step
// are one row of event_chunks (migration 0010): (execution, first id, last id, the events'
// JSON one per line), keyed by the last id, so a page of history starts at the row holding
// its first event; a step's guarded UPDATE refuses events that do not follow the stored
// ones. event_chunks, timers and tasks have no foreign key to executions (migration 0009):
// every row takes its execution id from the execution's row written or guarded in the same
// transaction, executions are never deleted, and the check cost a lookup per inserted row. Migrations are the numbered files in
// migrations/, applied at Open in one transaction and recorded in schema_migrations; a
// database migrated by a newer Stepwise is refused.
package sqlite
