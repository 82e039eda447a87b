-- The fraud guard (issue 24; the rule is cpaas.contracts.fraud). Written only by the ai
-- service: detection places holds, an admin's release (through the console) ends them.
-- The gateway and campaigns read the ACTIVE rows through the control plane, kept current
-- by the notification below on the console's change channel.
CREATE TABLE fraud_holds (
    hold_id       bigserial PRIMARY KEY,
    account_id    bigint NOT NULL,
    subject_type  text NOT NULL CHECK (subject_type IN ('PREFIX', 'COUNTRY')),
    subject       text NOT NULL,
    alert_type    text NOT NULL,                -- the finding that named the subject
    alert_id      bigint REFERENCES alerts (alert_id),
    probability   double precision NOT NULL,    -- the account's fraud probability then
    reasons       jsonb NOT NULL DEFAULT '[]',  -- the model's top reasons then
    evidence      jsonb NOT NULL DEFAULT '{}',  -- the finding's evidence numbers
    status        text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'RELEASED')),
    created_at    timestamptz NOT NULL,
    released_at   timestamptz,
    released_by   text,
    release_note  text
);
-- one active hold per subject; a persisting condition does not stack holds
CREATE UNIQUE INDEX fraud_holds_active ON fraud_holds (account_id, subject_type, subject) WHERE status = 'ACTIVE';
CREATE INDEX fraud_holds_account ON fraud_holds (account_id, created_at DESC);
CREATE INDEX fraud_holds_status ON fraud_holds (status, created_at DESC);

CREATE FUNCTION fraud_holds_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cpaas_console', 'fraud_holds:' || COALESCE(NEW.account_id, OLD.account_id));
    RETURN NULL;
END $$;
CREATE TRIGGER fraud_holds_changed AFTER INSERT OR UPDATE OR DELETE ON fraud_holds
    FOR EACH ROW EXECUTE FUNCTION fraud_holds_notify();
