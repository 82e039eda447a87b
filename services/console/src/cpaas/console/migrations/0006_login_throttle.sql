-- Counters of failed console logins (the model: cpaas.console.domain.login_throttle): one
-- row per client address, per (address, username) and per username, whether or not the
-- username exists. Replaces the per-user lockout (users.failed_logins and locked_until are
-- no longer written).
CREATE TABLE login_throttle (
    key             text PRIMARY KEY,          -- "a<US>address", "p<US>address<US>username" or "u<US>username"
    failures        integer NOT NULL DEFAULT 0,
    last_failure_at timestamptz,
    wait_until      timestamptz NOT NULL DEFAULT now(),  -- no attempt on this counter before this
    pending_until   timestamptz,               -- an attempt's password is being checked (until this at most)
    touched_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_throttle_touched ON login_throttle (touched_at);
