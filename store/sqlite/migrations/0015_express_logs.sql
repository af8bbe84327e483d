-- The newest log events of Express executions, which keep no history, for the console: a
-- bounded number per state machine (the oldest, by seq, are deleted). at is the event's
-- timestamp in nanoseconds; line the log event as the execution logs write it.
CREATE TABLE express_logs (
    seq               INTEGER PRIMARY KEY AUTOINCREMENT,
    state_machine_arn TEXT NOT NULL,
    execution_arn     TEXT NOT NULL,
    event_id          INTEGER NOT NULL,
    type              TEXT NOT NULL,
    at                INTEGER NOT NULL,
    line              TEXT NOT NULL,
    UNIQUE (execution_arn, event_id)
);
CREATE INDEX express_logs_machine ON express_logs (state_machine_arn, seq);
