-- Kept Express executions by the time of their last kept event, for --retention's purge
-- (PurgeExpressLogs): a batch reads this index oldest first and stops at its limit, however
-- many executions are kept.
CREATE INDEX express_logs_last ON express_logs (last_at);
