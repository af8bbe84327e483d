-- The X-Ray trace header StartExecution was given (its traceHeader member), which
-- DescribeExecution gives back, as on AWS (empty for executions stored before, and for those
-- started without one: DescribeExecution then leaves the member out).
ALTER TABLE executions ADD COLUMN trace_header TEXT NOT NULL DEFAULT '';
