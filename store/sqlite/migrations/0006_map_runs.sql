-- Distributed Map runs, for DescribeMapRun, ListMapRuns and UpdateMapRun. record is the
-- engine's MapRunRecord as JSON (limits and counters); the columns are what listings need.
-- (0005 is taken by another change developed beside this one.)

CREATE TABLE map_runs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    arn               TEXT NOT NULL UNIQUE,
    execution_arn     TEXT NOT NULL,
    state_machine_arn TEXT NOT NULL,
    status            TEXT NOT NULL,
    started_at        INTEGER NOT NULL,
    stopped_at        INTEGER,
    record            TEXT NOT NULL
);
CREATE INDEX map_runs_by_execution ON map_runs (execution_arn, id);

-- The child executions of Distributed Map runs (one per iteration) are executions too, named
-- by their run: ListExecutions lists them by map_run_arn. The runner never leases them: their
-- parent runs them.
ALTER TABLE executions ADD COLUMN map_run_arn TEXT NOT NULL DEFAULT '';
CREATE INDEX executions_by_map_run ON executions (map_run_arn, id) WHERE map_run_arn <> '';
