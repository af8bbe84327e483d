-- Distributed Map runs, for DescribeMapRun, ListMapRuns and UpdateMapRun. record is the
-- engine's MapRunRecord as JSON (limits and counters); the columns are what listings need.
-- (0005 is taken by another change developed beside this one.)

CREATE TABLE map_runs (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    arn               text NOT NULL UNIQUE,
    execution_arn     text NOT NULL,
    state_machine_arn text NOT NULL,
    status            text NOT NULL,
    started_at        timestamptz NOT NULL,
    stopped_at        timestamptz,
    record            text NOT NULL
);
CREATE INDEX map_runs_by_execution ON map_runs (execution_arn, id);

-- The child executions of Distributed Map runs (one per iteration) are executions too, named
-- by their run: ListExecutions lists them by map_run_arn. The runner never leases them: their
-- parent runs them.
ALTER TABLE executions ADD COLUMN map_run_arn text NOT NULL DEFAULT '';
CREATE INDEX executions_by_map_run ON executions (map_run_arn, id) WHERE map_run_arn <> '';
