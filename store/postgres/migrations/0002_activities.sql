-- Activities, the hand-out of their tasks to workers, and tags of state machines and
-- activities.

CREATE TABLE activities (
    arn        text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    config     text NOT NULL,
    created_at timestamptz NOT NULL
);

-- claimed_at is set when GetActivityTask hands an activity task to a worker.
ALTER TABLE tasks ADD COLUMN claimed_at timestamptz;
CREATE INDEX tasks_unclaimed ON tasks (resource, created_at, execution_id, id) WHERE claimed_at IS NULL;

CREATE TABLE tags (
    resource_arn text NOT NULL,
    key          text COLLATE "C" NOT NULL,
    value        text NOT NULL,
    PRIMARY KEY (resource_arn, key)
);
