-- events, timers and tasks no longer carry a foreign key to executions. Its check ran once per
-- inserted row (a query and a row lock on the execution, from a trigger): with the 22 events
-- of a 10-state execution, a sixth of the server's CPU for a start. It guarded nothing the
-- store does not already: every row gets its execution_id from
-- (SELECT id FROM executions WHERE arn = $1) in the batch that has just written or guarded
-- that execution (a missing one is NULL, which NOT NULL refuses), and executions are never
-- deleted.
ALTER TABLE events DROP CONSTRAINT events_execution_id_fkey;
ALTER TABLE timers DROP CONSTRAINT timers_execution_id_fkey;
ALTER TABLE tasks DROP CONSTRAINT tasks_execution_id_fkey;
