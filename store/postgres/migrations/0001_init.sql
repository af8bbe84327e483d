-- The first schema of the PostgreSQL store. Tables go in the connection's current schema
-- (the first of its search_path).

-- arn sorts bytewise (COLLATE "C"): ListStateMachines pages in ARN order whatever the
-- database's collation.
CREATE TABLE state_machines (
    arn         text COLLATE "C" PRIMARY KEY,
    name        text NOT NULL,
    type        text NOT NULL,
    definition  text NOT NULL,
    role_arn    text NOT NULL,
    status      text NOT NULL,
    revision_id text NOT NULL,
    description text NOT NULL,
    config      text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

-- id orders executions by when they were stored (ListExecutions is newest first) and is what
-- the other tables refer to, sparing them the long ARN.
CREATE TABLE executions (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    arn               text NOT NULL UNIQUE,
    state_machine_arn text NOT NULL,
    name              text NOT NULL,
    status            text NOT NULL,
    input             text NOT NULL,
    output            text,
    error             text,
    cause             text,
    started_at        timestamptz NOT NULL,
    stopped_at        timestamptz,
    parent_arn        text NOT NULL,
    state             text NOT NULL,
    version           bigint NOT NULL,
    last_event_id     bigint NOT NULL,
    -- lease_until is -infinity when no one holds the lease.
    lease_owner       text NOT NULL DEFAULT '',
    lease_until       timestamptz NOT NULL DEFAULT '-infinity'
);
CREATE INDEX executions_by_state_machine ON executions (state_machine_arn, id);
CREATE INDEX executions_by_parent ON executions (parent_arn, id) WHERE parent_arn <> '';
CREATE INDEX executions_by_status ON executions (status, id);
CREATE INDEX executions_by_lease ON executions (lease_owner) WHERE lease_owner <> '';
CREATE INDEX executions_unleased ON executions (lease_until) WHERE status = 'RUNNING';

-- body is the event as history.Event's JSON, kept as written (json, not jsonb).
CREATE TABLE events (
    execution_id bigint NOT NULL REFERENCES executions (id),
    id           bigint NOT NULL,
    type         text NOT NULL,
    body         json NOT NULL,
    PRIMARY KEY (execution_id, id)
);

CREATE TABLE timers (
    execution_id bigint NOT NULL REFERENCES executions (id),
    id           bigint NOT NULL,
    due          timestamptz NOT NULL,
    PRIMARY KEY (execution_id, id)
);
CREATE INDEX timers_by_due ON timers (due, execution_id, id);

CREATE TABLE tasks (
    execution_id bigint NOT NULL REFERENCES executions (id),
    id           bigint NOT NULL,
    token        text NOT NULL UNIQUE,
    resource     text NOT NULL,
    body         text NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (execution_id, id)
);
CREATE INDEX tasks_by_created ON tasks (created_at, execution_id, id);

-- stepwise_fail aborts the statement (and so the batch and its implicit transaction) with an
-- SQLSTATE the store recognises: a Commit is one round trip, and a guard that matched no row
-- must undo what the rest of the batch would write.
CREATE FUNCTION stepwise_fail(code text) RETURNS bigint LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = code, MESSAGE = 'stepwise: guard failed (' || code || ')';
END
$$;
