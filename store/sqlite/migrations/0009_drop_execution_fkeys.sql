-- events, timers and tasks no longer carry a foreign key to executions, as in the PostgreSQL
-- store (its migration 0008). The check ran for every inserted row, a lookup of the execution
-- for each of the 22 events of a 10-state execution's one step: 8 % of the CPU of writing such
-- a start. It guarded nothing the store does not already: every row takes its execution_id
-- from the id that the step's INSERT or guarded UPDATE of that execution has just returned in
-- the same transaction, and executions are never deleted.
--
-- SQLite cannot drop a constraint, so each table is rebuilt as SQLite's ALTER TABLE
-- documentation describes ("Making Other Kinds Of Table Schema Changes"): created anew under
-- another name, filled, the old one dropped, the new one renamed, its indexes created again.
-- That procedure turns foreign_keys off first; it cannot change inside the migrations'
-- transaction, and need not: no table refers to these three, so dropping them deletes and
-- checks nothing elsewhere, and no trigger or view names them.
--
-- The columns are declared in the old tables' order (tasks.claimed_at last, as 0002 added it)
-- and copied with INSERT ... SELECT *, which SQLite runs as a copy of the stored records and
-- index entries (its transfer optimization) rather than a decode and an insert of each row.
-- It still writes every row once: on a large database this migration takes a while, once, and
-- the file grows by the copy until SQLite reuses the freed pages.
--
-- events stays a rowid table. WITHOUT ROWID, keyed by (execution_id, id), wrote a start's
-- events no faster, and each later step of a running execution would insert its events in
-- the middle of the table (beside its earlier ones) where the rowid table appends them: 1.4
-- to 2.2 times the CPU per step with 1,000 executions running (BenchmarkSpread1000; see
-- BENCHMARKS.md, "SQLite: writing a start").

CREATE TABLE events_new (
    execution_id INTEGER NOT NULL,
    id           INTEGER NOT NULL,
    type         TEXT NOT NULL,
    body         TEXT NOT NULL,
    PRIMARY KEY (execution_id, id)
);
INSERT INTO events_new SELECT * FROM events;
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;

CREATE TABLE timers_new (
    execution_id INTEGER NOT NULL,
    id           INTEGER NOT NULL,
    due          INTEGER NOT NULL,
    PRIMARY KEY (execution_id, id)
) WITHOUT ROWID;
INSERT INTO timers_new SELECT * FROM timers;
DROP TABLE timers;
ALTER TABLE timers_new RENAME TO timers;
CREATE INDEX timers_by_due ON timers (due, execution_id, id);

CREATE TABLE tasks_new (
    execution_id INTEGER NOT NULL,
    id           INTEGER NOT NULL,
    token        TEXT NOT NULL UNIQUE,
    resource     TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    claimed_at   INTEGER,
    PRIMARY KEY (execution_id, id)
);
INSERT INTO tasks_new SELECT * FROM tasks;
DROP TABLE tasks;
ALTER TABLE tasks_new RENAME TO tasks;
CREATE INDEX tasks_by_created ON tasks (created_at, execution_id, id);
CREATE INDEX tasks_unclaimed ON tasks (resource, created_at, execution_id, id) WHERE claimed_at IS NULL;
