-- The outbox of events to deliver (execution status changes): each row is written in the
-- commit that made the change and deleted once delivered. claim_until is when another
-- deliverer may take it (0: at once).
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    body        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    claim_until INTEGER NOT NULL DEFAULT 0,
    attempts    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX outbox_claim ON outbox (claim_until, id);
