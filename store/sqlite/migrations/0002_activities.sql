-- Activities, the hand-out of their tasks to workers, and tags of state machines and
-- activities.

CREATE TABLE activities (
    arn        TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    config     TEXT NOT NULL,
    created_at INTEGER NOT NULL
);

-- claimed_at is set when GetActivityTask hands an activity task to a worker.
ALTER TABLE tasks ADD COLUMN claimed_at INTEGER;
CREATE INDEX tasks_unclaimed ON tasks (resource, created_at, execution_id, id) WHERE claimed_at IS NULL;

CREATE TABLE tags (
    resource_arn TEXT NOT NULL,
    key          TEXT NOT NULL,
    value        TEXT NOT NULL,
    PRIMARY KEY (resource_arn, key)
) WITHOUT ROWID;
