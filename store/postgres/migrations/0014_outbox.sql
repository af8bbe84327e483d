-- The outbox of events to deliver (execution status changes): each row is written in the
-- commit that made the change and deleted once delivered. claim_until is when another
-- deliverer may take it.
CREATE TABLE outbox (
    id          bigserial PRIMARY KEY,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL,
    claim_until timestamptz NOT NULL DEFAULT '-infinity',
    attempts    integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_claim ON outbox (claim_until, id);
