-- The trace context (a W3C traceparent) of the span that started the execution: the span of
-- the startExecution task of a traced parent, under which tracing puts the execution's span,
-- on whichever node runs it (empty for executions stored before, and for those no traced
-- task started). The API never shows it.
ALTER TABLE executions ADD COLUMN trace_parent TEXT NOT NULL DEFAULT '';
