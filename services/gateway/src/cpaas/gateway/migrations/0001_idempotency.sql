-- Idempotency keys: a retried submit with the same key returns the first answer.
CREATE TABLE idempotency_keys (
    account_id      bigint NOT NULL,
    key             text NOT NULL,
    request_hash    bytea NOT NULL,   -- SHA-256 of the request body: a different body is a conflict
    message_id      text NOT NULL,
    response        text NOT NULL,    -- the JSON answered the first time
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
