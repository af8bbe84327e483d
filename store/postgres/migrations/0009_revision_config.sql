-- A revision keeps the state machine's configuration (logging, tracing, encryption) too, so
-- that DescribeStateMachineForExecution shows an execution's own after an update. Revisions
-- stored before keep '' (they show the state machine's current configuration).
ALTER TABLE state_machine_revisions ADD COLUMN config text NOT NULL DEFAULT '';

UPDATE state_machine_revisions r SET config = sm.config
    FROM state_machines sm
    WHERE sm.arn = r.state_machine_arn AND sm.revision_id = r.revision_id;

CREATE OR REPLACE FUNCTION stepwise_keep_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn, config)
        VALUES (NEW.arn, NEW.revision_id, NEW.definition, NEW.role_arn, NEW.config)
        ON CONFLICT DO NOTHING;
    RETURN NEW;
END;
$$;

DROP TRIGGER state_machine_revision ON state_machines;
CREATE TRIGGER state_machine_revision AFTER INSERT OR UPDATE OF revision_id, definition, role_arn, config ON state_machines
    FOR EACH ROW EXECUTE FUNCTION stepwise_keep_revision();
