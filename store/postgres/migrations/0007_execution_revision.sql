-- The state machine revision an execution runs, so that DescribeStateMachineForExecution shows
-- the definition the execution started with after UpdateStateMachine, as on AWS (empty for
-- executions stored before: they show the state machine as it is now).
ALTER TABLE executions ADD COLUMN revision_id TEXT NOT NULL DEFAULT '';

-- Timers of ended executions are never fired: earlier versions left the one-year timeout of
-- every execution that ended in its first step behind.
DELETE FROM timers WHERE execution_id IN (SELECT id FROM executions WHERE status <> 'RUNNING');
