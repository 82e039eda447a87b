-- Console login sessions. The cookie carries a random 256-bit id; only its SHA-256 is
-- stored, so a copy of this table cannot be replayed as a login.
CREATE TABLE sessions (
    id_hash         bytea PRIMARY KEY,
    user_id         bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);
