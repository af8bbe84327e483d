-- The first schema of the SQLite store. Times are INTEGER nanoseconds since the Unix epoch
-- (UTC); JSON is TEXT.

CREATE TABLE state_machines (
    arn         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL,
    definition  TEXT NOT NULL,
    role_arn    TEXT NOT NULL,
    status      TEXT NOT NULL,
    revision_id TEXT NOT NULL,
    description TEXT NOT NULL,
    config      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

-- id orders executions by when they were stored (ListExecutions is newest first) and is what
-- the other tables refer to, sparing them the long ARN.
CREATE TABLE executions (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    arn               TEXT NOT NULL UNIQUE,
    state_machine_arn TEXT NOT NULL,
    name              TEXT NOT NULL,
    status            TEXT NOT NULL,
    input             TEXT NOT NULL,
    output            TEXT,
    error             TEXT,
    cause             TEXT,
    started_at        INTEGER NOT NULL,
    stopped_at        INTEGER,
    parent_arn        TEXT NOT NULL,
    state             TEXT NOT NULL,
    version           INTEGER NOT NULL,
    last_event_id     INTEGER NOT NULL,
    -- lease_until is the smallest integer when no one holds the lease.
    lease_owner       TEXT NOT NULL DEFAULT '',
    lease_until       INTEGER NOT NULL DEFAULT -9223372036854775808
);
CREATE INDEX executions_by_state_machine ON executions (state_machine_arn, id);
CREATE INDEX executions_by_parent ON executions (parent_arn, id) WHERE parent_arn <> '';
CREATE INDEX executions_by_status ON executions (status, id);
CREATE INDEX executions_by_lease ON executions (lease_owner);
CREATE INDEX executions_unleased ON executions (lease_until) WHERE status = 'RUNNING';

-- body is the event as history.Event's JSON.
CREATE TABLE events (
    execution_id INTEGER NOT NULL REFERENCES executions (id),
    id           INTEGER NOT NULL,
    type         TEXT NOT NULL,
    body         TEXT NOT NULL,
    PRIMARY KEY (execution_id, id)
);

CREATE TABLE timers (
    execution_id INTEGER NOT NULL REFERENCES executions (id),
    id           INTEGER NOT NULL,
    due          INTEGER NOT NULL,
    PRIMARY KEY (execution_id, id)
) WITHOUT ROWID;
CREATE INDEX timers_by_due ON timers (due, execution_id, id);

CREATE TABLE tasks (
    execution_id INTEGER NOT NULL REFERENCES executions (id),
    id           INTEGER NOT NULL,
    token        TEXT NOT NULL UNIQUE,
    resource     TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (execution_id, id)
);
CREATE INDEX tasks_by_created ON tasks (created_at, execution_id, id);
