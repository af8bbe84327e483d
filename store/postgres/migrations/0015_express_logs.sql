-- The newest log events of Express executions, which keep no history, for the console: a
-- bounded number per state machine (the oldest, by seq, are deleted). line is the log event
-- as the execution logs write it.
CREATE TABLE express_logs (
    seq               bigserial PRIMARY KEY,
    state_machine_arn text NOT NULL,
    execution_arn     text NOT NULL,
    event_id          bigint NOT NULL,
    type              text NOT NULL,
    at                timestamptz NOT NULL,
    line              text NOT NULL,
    UNIQUE (execution_arn, event_id)
);
CREATE INDEX express_logs_machine ON express_logs (state_machine_arn, seq);
