-- Every revision of every state machine's definition, so that an execution keeps running the
-- definition it started with after UpdateStateMachine (as on AWS). Triggers keep it filled.

CREATE TABLE state_machine_revisions (
    state_machine_arn TEXT NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
    revision_id       TEXT NOT NULL,
    definition        TEXT NOT NULL,
    role_arn          TEXT NOT NULL,
    PRIMARY KEY (state_machine_arn, revision_id)
) WITHOUT ROWID;

INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn)
    SELECT arn, revision_id, definition, role_arn FROM state_machines;

CREATE TRIGGER state_machine_revision_on_insert AFTER INSERT ON state_machines
BEGIN
    INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn)
        VALUES (NEW.arn, NEW.revision_id, NEW.definition, NEW.role_arn)
        ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER state_machine_revision_on_update AFTER UPDATE OF revision_id, definition, role_arn ON state_machines
BEGIN
    INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn)
        VALUES (NEW.arn, NEW.revision_id, NEW.definition, NEW.role_arn)
        ON CONFLICT DO NOTHING;
END;
