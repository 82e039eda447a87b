-- What the SMS connector sent: one row per message attempt, one per SMPP segment.
-- Written only by the sms-connector.

CREATE TABLE submissions (
    message_id          text NOT NULL,
    attempt             smallint NOT NULL,
    account_id          bigint NOT NULL,
    recipient           text NOT NULL,               -- E.164 with '+'
    channel             text NOT NULL DEFAULT 'SMS',
    template_id         bigint NOT NULL,
    sender_id           text,
    campaign_id         bigint,
    -- SUBMITTING: claimed, not (yet) known to be sent; SUBMITTED: every segment accepted;
    -- REFUSED: not sent (carrier refusal or nothing to send); FINAL: final receipt published
    status              text NOT NULL DEFAULT 'SUBMITTING'
                        CHECK (status IN ('SUBMITTING', 'SUBMITTED', 'REFUSED', 'FINAL')),
    segments            smallint,
    carrier_message_id  text,                        -- the first segment's id
    submitted_at        timestamptz,                 -- submit_sm_resp time (or refusal time)
    error_code          text,
    error_detail        text,
    carrier_error_code  text,
    -- true once the SUBMITTED_OPERATOR / FAILED event is in Kafka; receipts wait for it
    -- so that a final status never overtakes the submission's own event
    announced           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, attempt)
);

CREATE TABLE segments (
    carrier_message_id  text PRIMARY KEY,
    message_id          text NOT NULL,
    attempt             smallint NOT NULL,
    seq                 smallint NOT NULL,           -- 1-based position in the concatenated message
    receipt_status      text,                        -- final receipt stat (DELIVRD, UNDELIV, ...)
    receipt_error       text,                        -- the receipt's err: value
    receipt_at          timestamptz,                 -- the receipt's done date (or arrival)
    FOREIGN KEY (message_id, attempt) REFERENCES submissions (message_id, attempt)
);
CREATE INDEX segments_message ON segments (message_id, attempt);
