-- A step's events are one row, not a row each, as in the SQLite store (its migration 0010):
-- event_chunks holds the events first_id to last_id of an execution, their JSON one per line
-- (history.Event's encoding has no raw newline), keyed by the last event's id so that a page
-- after an event begins at the row holding it. body is text, not json: the lines together
-- are not one JSON value, and the json input check parsed every event the server stored.
--
-- A step's guarded UPDATE refuses events that do not follow the stored ones (stepwise_fail
-- with SQLSTATE SWOVL): rows keyed by their last event would not collide on every overlap,
-- as rows of one event did on their primary key.
--
-- Existing events become rows of one event each, which the store reads as it reads any
-- other row; type is not kept, nothing read it. The primary key is built after the copy,
-- in one sort, rather than row by row.

CREATE TABLE event_chunks (
    execution_id bigint NOT NULL,
    last_id      bigint NOT NULL,
    first_id     bigint NOT NULL,
    body         text NOT NULL
);
INSERT INTO event_chunks (execution_id, last_id, first_id, body)
    SELECT execution_id, id, id, body::text FROM events;
ALTER TABLE event_chunks ADD PRIMARY KEY (execution_id, last_id);
DROP TABLE events;
