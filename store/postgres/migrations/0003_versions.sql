-- State machine versions and aliases, and the version and alias an execution was started on.

-- last_version is the number of the newest version ever published: numbers are not reused
-- after a version is deleted.
ALTER TABLE state_machines ADD COLUMN last_version bigint NOT NULL DEFAULT 0;

CREATE TABLE state_machine_versions (
    arn               text COLLATE "C" PRIMARY KEY,
    state_machine_arn text COLLATE "C" NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
    number            bigint NOT NULL,
    definition        text NOT NULL,
    role_arn          text NOT NULL,
    revision_id       text NOT NULL,
    description       text NOT NULL,
    config            text NOT NULL,
    created_at        timestamptz NOT NULL,
    revised_at        timestamptz NOT NULL,
    UNIQUE (state_machine_arn, number)
);

-- routing is the alias's routing configuration as JSON. name sorts bytewise (COLLATE "C"):
-- ListStateMachineAliases pages in name order whatever the database's collation.
CREATE TABLE state_machine_aliases (
    arn               text COLLATE "C" PRIMARY KEY,
    state_machine_arn text COLLATE "C" NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
    name              text COLLATE "C" NOT NULL,
    description       text NOT NULL,
    routing           text NOT NULL,
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL,
    UNIQUE (state_machine_arn, name)
);

ALTER TABLE executions ADD COLUMN version_arn text NOT NULL DEFAULT '';
ALTER TABLE executions ADD COLUMN alias_arn text NOT NULL DEFAULT '';
CREATE INDEX executions_by_version ON executions (version_arn, id) WHERE version_arn <> '';
CREATE INDEX executions_by_alias ON executions (alias_arn, id) WHERE alias_arn <> '';
