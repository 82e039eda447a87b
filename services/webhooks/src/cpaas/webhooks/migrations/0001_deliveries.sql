-- Delivery receipts owed to customers' webhook URLs, and every attempt made to send them.
-- Written only by the webhooks service.

-- One row per receipt. PENDING rows are the work queue: a dispatcher claims the due
-- ones with FOR UPDATE SKIP LOCKED (so replicas share them), pushes next_attempt_at
-- forward by a lease and counts the attempt; the attempt's result sets the next time
-- (a retry), DELIVERED, or FAILED (given up, or a destination that is not allowed).
CREATE TABLE deliveries (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id         text NOT NULL UNIQUE,      -- the msg.status CloudEvent id
    account_id       bigint NOT NULL,
    message_id       text NOT NULL,
    message_attempt  integer NOT NULL,          -- the fallback level the status belongs to
    message_status   text NOT NULL,             -- DELIVERED, READ, FAILED or UNDELIVERED
    url              text NOT NULL,             -- the account's URL when the event arrived
    payload          jsonb NOT NULL,            -- the body POSTed, the same on every attempt
    status           text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    -- a status is reported once per message attempt, even when the status event was
    -- published twice with different ids (a carrier's repeated DLR)
    UNIQUE (message_id, message_attempt, message_status)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX deliveries_account ON deliveries (account_id, id DESC);

-- One row per POST (or per refusal to POST); attempt numbers come from
-- deliveries.attempts at claim time, so a stale replica cannot record one twice.
CREATE TABLE attempts (
    delivery_id  bigint NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
    attempt      integer NOT NULL,
    started_at   timestamptz NOT NULL,
    status_code  integer,                       -- NULL: no HTTP answer (timeout, refused, network error)
    error        text,                          -- NULL on a 2xx
    duration_ms  integer NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
