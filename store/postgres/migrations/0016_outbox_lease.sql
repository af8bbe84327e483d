-- The outbox is delivered by one deliverer at a time, which holds this lease (owner until
-- until) rather than claiming each event: an event's row is written once and deleted once.
-- retry_at (claim_until before) is when a failed event may be sent again; events are read
-- in id order, so the index on the claim is gone.
CREATE TABLE outbox_lease (
    id    integer PRIMARY KEY CHECK (id = 1),
    owner text NOT NULL DEFAULT '',
    until timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO outbox_lease (id) VALUES (1);
DROP INDEX outbox_claim;
ALTER TABLE outbox RENAME COLUMN claim_until TO retry_at;
