-- The log events of the newest Express executions (which keep no history) of each state
-- machine, for the console: one row an execution, its events as JSON lines (as the execution
-- logs write them), appended as they come; past 1 MiB of lines, further events are only
-- counted (dropped). seq orders the executions, newest last.
CREATE TABLE express_logs (
    seq               bigserial PRIMARY KEY,
    execution_arn     text NOT NULL UNIQUE,
    state_machine_arn text NOT NULL,
    first_at          timestamptz NOT NULL,
    last_at           timestamptz NOT NULL,
    events            integer NOT NULL,
    dropped           integer NOT NULL DEFAULT 0,
    last_type         text NOT NULL,
    lines             text NOT NULL
);
CREATE INDEX express_logs_machine ON express_logs (state_machine_arn, seq);
