-- The audit log (append-only) and each account's time zone.

-- Every admin action and security-relevant event: who (the user, or the username tried at
-- a failed login), on which account, when, from which client address, and what changed.
-- Rows are never changed or removed: the triggers below refuse UPDATE, DELETE and TRUNCATE
-- for every role (the table owner included), so a bug or a stolen session cannot rewrite
-- history through the console's own database user.
CREATE TABLE audit_log (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at              timestamptz NOT NULL DEFAULT now(),
    account_id      bigint REFERENCES accounts (id),  -- the account acted on; NULL: none (a failed login of no user)
    actor_user_id   bigint,                            -- NULL: no logged-in user (a login attempt, the system)
    actor           text NOT NULL,                     -- the username (as typed, for a login)
    client_address  text,
    action          text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    changes         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_log_newest ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_account_newest ON audit_log (account_id, at DESC, id DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_is_append_only();

-- "Today" on the Dashboard, the Reports date filters, the CSV export and the console's
-- timestamps are in this zone (an IANA name, checked by the console); campaigns read it
-- through cpaas.control_plane for scheduled starts and quiet hours.
ALTER TABLE accounts ADD COLUMN time_zone text NOT NULL DEFAULT 'Asia/Kolkata';
