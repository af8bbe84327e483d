-- Status changes kept in the outbox by reference (store.StatusChange): execution_id names the
-- execution whose stored row the event is built from at delivery, and the other columns hold
-- what a later commit may change in that row. body is '' for such a row; a row with a body
-- (execution_id NULL) is a whole event, as every row was before. The retention purge finds an
-- execution's waiting changes by outbox_by_execution, to rewrite them whole before it deletes
-- the execution.
ALTER TABLE outbox ADD COLUMN execution_id INTEGER;
ALTER TABLE outbox ADD COLUMN event_id TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN status TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN stopped_at INTEGER;
ALTER TABLE outbox ADD COLUMN error TEXT;
ALTER TABLE outbox ADD COLUMN cause TEXT;
ALTER TABLE outbox ADD COLUMN redrive_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN redrive_date INTEGER;
ALTER TABLE outbox ADD COLUMN redrive_reason TEXT NOT NULL DEFAULT '';
-- Partial: the whole events (NULL) are not in it.
CREATE INDEX outbox_by_execution ON outbox (execution_id) WHERE execution_id IS NOT NULL;
