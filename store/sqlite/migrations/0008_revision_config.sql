-- A revision keeps the state machine's configuration (logging, tracing, encryption) too, so
-- that DescribeStateMachineForExecution shows an execution's own after an update. Revisions
-- stored before keep '' (they show the state machine's current configuration).
ALTER TABLE state_machine_revisions ADD COLUMN config TEXT NOT NULL DEFAULT '';

UPDATE state_machine_revisions SET config = (
    SELECT config FROM state_machines
    WHERE state_machines.arn = state_machine_revisions.state_machine_arn
      AND state_machines.revision_id = state_machine_revisions.revision_id)
WHERE EXISTS (
    SELECT 1 FROM state_machines
    WHERE state_machines.arn = state_machine_revisions.state_machine_arn
      AND state_machines.revision_id = state_machine_revisions.revision_id);

DROP TRIGGER state_machine_revision_on_insert;
DROP TRIGGER state_machine_revision_on_update;

CREATE TRIGGER state_machine_revision_on_insert AFTER INSERT ON state_machines
BEGIN
    INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn, config)
        VALUES (NEW.arn, NEW.revision_id, NEW.definition, NEW.role_arn, NEW.config)
        ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER state_machine_revision_on_update AFTER UPDATE OF revision_id, definition, role_arn, config ON state_machines
BEGIN
    INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn, config)
        VALUES (NEW.arn, NEW.revision_id, NEW.definition, NEW.role_arn, NEW.config)
        ON CONFLICT DO NOTHING;
END;
