-- The log events of the newest Express executions (which keep no history) of each state
-- machine, for the console: one row an execution, its events as JSON lines (as the execution
-- logs write them), appended as they come; past 1 MiB of lines, further events are only
-- counted (dropped). Times are nanoseconds; seq orders the executions, newest last.
CREATE TABLE express_logs (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    execution_arn     TEXT NOT NULL UNIQUE,
    state_machine_arn TEXT NOT NULL,
    first_at          INTEGER NOT NULL,
    last_at           INTEGER NOT NULL,
    events            INTEGER NOT NULL,
    dropped           INTEGER NOT NULL DEFAULT 0,
    last_type         TEXT NOT NULL,
    lines             TEXT NOT NULL
);
CREATE INDEX express_logs_machine ON express_logs (state_machine_arn, seq);
