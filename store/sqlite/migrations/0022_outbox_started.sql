-- A status change row can hold the RUNNING change its commit made before it (an execution
-- started or redriven and ended in one step: store.JoinStarted): that change's event id and
-- redrive reason; '' when it holds none. One row instead of two for such a commit.
ALTER TABLE outbox ADD COLUMN started_event_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN started_redrive_reason TEXT NOT NULL DEFAULT '';
