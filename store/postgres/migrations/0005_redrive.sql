-- RedriveExecution: how often an execution was redriven and when last, for DescribeExecution
-- and ListExecutions (and its redriveFilter). A failed, timed-out or aborted execution also
-- keeps its engine state (executions.state) so that it can be redriven.

ALTER TABLE executions ADD COLUMN redrive_count integer NOT NULL DEFAULT 0;
ALTER TABLE executions ADD COLUMN redrive_date timestamptz;
