-- State machine versions and aliases, and the version and alias an execution was started on.

-- last_version is the number of the newest version ever published: numbers are not reused
-- after a version is deleted.
ALTER TABLE state_machines ADD COLUMN last_version INTEGER NOT NULL DEFAULT 0;

CREATE TABLE state_machine_versions (
    arn               TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
    number            INTEGER NOT NULL,
    definition        TEXT NOT NULL,
    role_arn          TEXT NOT NULL,
    revision_id       TEXT NOT NULL,
    description       TEXT NOT NULL,
    config            TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    revised_at        INTEGER NOT NULL,
    UNIQUE (state_machine_arn, number)
);

-- routing is the alias's routing configuration as JSON.
CREATE TABLE state_machine_aliases (
    arn               TEXT PRIMARY KEY,
    state_machine_arn TEXT NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    description       TEXT NOT NULL,
    routing           TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    UNIQUE (state_machine_arn, name)
);

ALTER TABLE executions ADD COLUMN version_arn TEXT NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN alias_arn TEXT NOT NULL DEFAULT '';
CREATE INDEX executions_by_version ON executions (version_arn, id) WHERE version_arn <> '';
CREATE INDEX executions_by_alias ON executions (alias_arn, id) WHERE alias_arn <> '';
