-- Status changes kept in the outbox by reference (store.StatusChange): execution_id names the
-- execution whose stored row the event is built from at delivery, and the other columns hold
-- what a later commit may change in that row. body is '' for such a row; a row with a body
-- (execution_id NULL) is a whole event, as every row was before. No foreign key (it would cost
-- every insert a lookup): the retention purge finds an execution's waiting changes by
-- outbox_by_execution, to rewrite them whole (or keep the execution) before it deletes it.
ALTER TABLE outbox
    ADD COLUMN execution_id   bigint,
    ADD COLUMN event_id       text NOT NULL DEFAULT '',
    ADD COLUMN status         text NOT NULL DEFAULT '',
    ADD COLUMN stopped_at     timestamptz,
    ADD COLUMN error          text,
    ADD COLUMN cause          text,
    ADD COLUMN redrive_count  integer NOT NULL DEFAULT 0,
    ADD COLUMN redrive_date   timestamptz,
    ADD COLUMN redrive_reason text NOT NULL DEFAULT '';
CREATE INDEX outbox_by_execution ON outbox (execution_id) WHERE execution_id IS NOT NULL;
