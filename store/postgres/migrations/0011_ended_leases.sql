-- An execution that has ended holds no lease (issue #15). Until this version an execution
-- that ended in a step after its first (one with Task states, say) kept its lease_owner, and
-- its node renewed that lease every few seconds for ever: the renewal's cost grew with the
-- work ever done. Commits now clear the lease as the execution ends; this clears the
-- leases already left behind.
UPDATE executions SET lease_owner = '', lease_until = '-infinity'
    WHERE status <> 'RUNNING' AND lease_owner <> '';
