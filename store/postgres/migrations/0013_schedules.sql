-- EventBridge Scheduler: schedule groups and schedules. A schedule's row says when its next
-- firing is due and which node, if any, holds the claim to fire it (owner until claim_until).
CREATE TABLE schedule_groups (
    name       text COLLATE "C" PRIMARY KEY,
    arn        text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE schedules (
    group_name  text COLLATE "C" NOT NULL,
    name        text COLLATE "C" NOT NULL,
    arn         text NOT NULL,
    state       text NOT NULL,
    config      text NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    next_fire   timestamptz,
    due         timestamptz,
    attempt     integer NOT NULL DEFAULT 0,
    version     bigint NOT NULL DEFAULT 1,
    owner       text NOT NULL DEFAULT '',
    claim_until timestamptz NOT NULL DEFAULT 'epoch',
    PRIMARY KEY (group_name, name)
);

-- The firing loop reads the earliest due schedules: only those with a firing left.
CREATE INDEX schedules_due ON schedules (due) WHERE due IS NOT NULL;
