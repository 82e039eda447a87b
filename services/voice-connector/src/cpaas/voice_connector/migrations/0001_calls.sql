-- What the voice connector placed: one row per message attempt, one per call-progress
-- status the provider reported. Written only by the voice-connector.

CREATE TABLE calls (
    message_id          text NOT NULL,
    attempt             smallint NOT NULL,
    account_id          bigint NOT NULL,
    recipient           text NOT NULL,               -- E.164 with '+'
    template_id         bigint NOT NULL,
    campaign_id         bigint,
    caller_id           text NOT NULL,               -- the number the call comes from
    -- CREATING: claimed, no call known to exist (written before the create-call request);
    -- ACCEPTED: the provider created the call; REFUSED: no call (provider refusal or nothing to say)
    status              text NOT NULL DEFAULT 'CREATING' CHECK (status IN ('CREATING', 'ACCEPTED', 'REFUSED')),
    call_sid            text UNIQUE,                 -- the provider's call id
    provider_status     text,                        -- latest call status reported (queued, ringing, completed...)
    -- the last status of this attempt that is in Kafka (NULL: none yet): SUBMITTED_OPERATOR,
    -- then DELIVERED / UNDELIVERED / FAILED; it only moves forward
    published_status    text,
    duration_seconds    integer,
    error_code          text,
    error_detail        text,
    carrier_error_code  text,
    accepted_at         timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, attempt)
);

-- One row per (call, status): a callback repeated by the provider changes nothing.
CREATE TABLE call_events (
    call_sid            text NOT NULL,
    status              text NOT NULL,
    message_id          text NOT NULL,
    attempt             smallint NOT NULL,
    sequence_number     integer,
    sip_response_code   integer,
    duration_seconds    integer,
    occurred_at         timestamptz NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (call_sid, status),
    FOREIGN KEY (message_id, attempt) REFERENCES calls (message_id, attempt)
);
