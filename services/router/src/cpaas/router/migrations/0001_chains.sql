-- Fallback chains: one row per message that has fallback levels, with the attempt in
-- progress and its no-receipt deadline (the timer; it survives a router restart).
CREATE TABLE chains (
    message_id      text PRIMARY KEY,
    account_id      bigint NOT NULL,
    recipient       text NOT NULL,
    variables       jsonb NOT NULL DEFAULT '{}'::jsonb,
    campaign_id     bigint,
    levels          jsonb NOT NULL,          -- [{channel, templateId, senderId}], primary first
    current_attempt integer NOT NULL,        -- 1-based index into levels
    state           text NOT NULL CHECK (state IN ('ACTIVE', 'DELIVERED', 'EXHAUSTED')),
    deadline_at     timestamptz,             -- no delivery receipt by then: fall back
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX chains_due ON chains (deadline_at) WHERE state = 'ACTIVE';

-- A status may be consumed before its message's submit event (different topics): final
-- statuses of messages without a chain wait here briefly, and a chain created later
-- applies them. Unlogged: losing them in a crash only re-runs the no-receipt timer.
CREATE UNLOGGED TABLE early_statuses (
    message_id      text NOT NULL,
    attempt         integer NOT NULL,
    status          text NOT NULL,
    error_code      text,
    parked_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX early_statuses_message ON early_statuses (message_id);
CREATE INDEX early_statuses_parked ON early_statuses (parked_at);
