-- The client token of the CreateScheduleGroup call that made a group: the same call retried
-- with it is answered with the group instead of a ConflictException (empty for groups stored
-- before, and for those made without one, such as the default group).
ALTER TABLE schedule_groups ADD COLUMN client_token TEXT NOT NULL DEFAULT '';
