-- Retention: closed executions are deleted some time after they stopped (serve --retention).
-- (0011 is ended_leases, from the bounded-evaluation change developed beside this one.)
-- The purge looks for the oldest closed executions that are not Distributed Map children
-- (those go with their parent), so this index holds exactly those, by stop date: each batch
-- reads the first rows of it instead of scanning the table.
CREATE INDEX executions_closed ON executions (stopped_at)
    WHERE status IN ('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED') AND map_run_arn = '';
