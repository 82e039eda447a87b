-- An Idempotency-Key's answer is final only once its event is in Kafka (see idempotency.py):
-- a key is PENDING, owned by one submit (owner) until lease_until, while its event is
-- published under message_id; COMPLETED once Kafka acknowledged it, when `response` is
-- replayed. Rows written before this version were answered already: COMPLETED.
ALTER TABLE idempotency_keys
    ADD COLUMN state text NOT NULL DEFAULT 'COMPLETED' CHECK (state IN ('PENDING', 'COMPLETED')),
    ADD COLUMN owner bytea,             -- random token of the submit that holds the lease
    ADD COLUMN lease_until timestamptz; -- PENDING: a retry before this is 409, after it takes over
ALTER TABLE idempotency_keys ALTER COLUMN state DROP DEFAULT;
