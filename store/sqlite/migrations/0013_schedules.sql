-- EventBridge Scheduler: schedule groups and schedules. A schedule's row says when its next
-- firing is due and which node, if any, holds the claim to fire it (owner until claim_until).
CREATE TABLE schedule_groups (
    name       TEXT PRIMARY KEY,
    arn        TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE schedules (
    group_name  TEXT NOT NULL,
    name        TEXT NOT NULL,
    arn         TEXT NOT NULL,
    state       TEXT NOT NULL,
    config      TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    next_fire   INTEGER,
    due         INTEGER,
    attempt     INTEGER NOT NULL DEFAULT 0,
    version     INTEGER NOT NULL DEFAULT 1,
    owner       TEXT NOT NULL DEFAULT '',
    claim_until INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (group_name, name)
) WITHOUT ROWID;

-- The firing loop reads the earliest due schedules: only those with a firing left.
CREATE INDEX schedules_due ON schedules (due) WHERE due IS NOT NULL;
