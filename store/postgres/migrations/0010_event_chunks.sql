-- A step's events are one row, not a row each, as in the SQLite store (its migration 0010):
-- event_chunks holds the events first_id to last_id of an execution, their JSON one per line
-- (history.Event's encoding has no raw newline), keyed by the last event's id so that a page
-- after an event begins at the row holding it. A 10-state execution that ends in its first
-- step wrote 22 rows and 22 primary-key entries; it now writes one. BenchmarkStart at 64
-- callers went from 155 to 122 µs (medians of 8 runs), and the chain bench (64 clients)
-- from 1,980-2,360 to 2,457-2,730 executions/s, alternating (BENCHMARKS.md). body is text, not
-- json: the lines together are not one JSON value, and the json input check parsed every
-- event the server stored. PostgreSQL compresses a chain's 4 KB body to 660 bytes (pglz,
-- kept in the row): its events take 6 MB instead of 49 MB. lz4 made no difference that
-- could be told from the noise, and not every server is built with it.
--
-- A step's guarded UPDATE refuses events that do not follow the stored ones (stepwise_fail
-- with SQLSTATE SWOVL): rows keyed by their last event would not collide on every overlap,
-- as rows of one event did on their primary key.
--
-- Existing events become rows of one event each, which the store reads as it reads any
-- other row; type is not kept, nothing read it. The primary key is built after the copy,
-- in one sort, rather than row by row. A schema of 1,000,000 events (287 MB, written by 40
-- runs of the bench's loop25000) migrated in 1.4 s: the copy 1.07 s, the key 0.32 s; the
-- new table takes 274 MB (one event is too short for PostgreSQL to compress).

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
