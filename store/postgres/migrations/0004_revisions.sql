-- Every revision of every state machine's definition, so that an execution keeps running the
-- definition it started with after UpdateStateMachine (as on AWS). A trigger keeps it filled.

CREATE TABLE state_machine_revisions (
    state_machine_arn text COLLATE "C" NOT NULL REFERENCES state_machines (arn) ON DELETE CASCADE,
    revision_id       text NOT NULL,
    definition        text NOT NULL,
    role_arn          text NOT NULL,
    PRIMARY KEY (state_machine_arn, revision_id)
);

INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn)
    SELECT arn, revision_id, definition, role_arn FROM state_machines;

CREATE FUNCTION stepwise_keep_revision() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO state_machine_revisions (state_machine_arn, revision_id, definition, role_arn)
        VALUES (NEW.arn, NEW.revision_id, NEW.definition, NEW.role_arn)
        ON CONFLICT DO NOTHING;
    RETURN NEW;
END;
$$;

CREATE TRIGGER state_machine_revision AFTER INSERT OR UPDATE OF revision_id, definition, role_arn ON state_machines
    FOR EACH ROW EXECUTE FUNCTION stepwise_keep_revision();
