-- What the RCS connector sent and heard back. Written only by the rcs-connector.

-- One row per message attempt, written before the provider is called.
CREATE TABLE sends (
    message_id           text NOT NULL,
    attempt              smallint NOT NULL,
    account_id           bigint NOT NULL,
    recipient            text NOT NULL,                  -- E.164 with '+'
    template_id          bigint NOT NULL,
    sender_id            text,
    campaign_id          bigint,
    -- the id the provider knows the message by (RBM's messageId), fixed before sending
    provider_message_id  text NOT NULL UNIQUE,
    bot_id               text,                           -- the provider's agent id it went through
    -- SENDING: claimed, not known to be accepted; ACCEPTED: the provider took it;
    -- REFUSED: not sent, or refused for good (error_code says why)
    status               text NOT NULL DEFAULT 'SENDING' CHECK (status IN ('SENDING', 'ACCEPTED', 'REFUSED')),
    tries                smallint NOT NULL DEFAULT 0,    -- transient failures so far
    decided_at           timestamptz,                    -- when accepted (the provider's send time) or refused
    error_code           text,
    error_detail         text,
    carrier_error_code   text,
    -- true once the SUBMITTED_OPERATOR / FAILED event is in Kafka; webhook events of
    -- the message wait for it so a DELIVERED never overtakes its submission
    announced            boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, attempt)
);

-- Each provider event applied once: a redelivered webhook finds its row and changes nothing.
CREATE TABLE delivery_events (
    provider_message_id  text NOT NULL REFERENCES sends (provider_message_id),
    event_type           text NOT NULL,                  -- DELIVERED, READ
    event_id             text,
    occurred_at          timestamptz NOT NULL,
    received_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_message_id, event_type)
);

-- The latest registration of each template with its bot; verdicts are matched on it.
CREATE TABLE template_registrations (
    bot_id                text NOT NULL,
    name                  text NOT NULL,
    template_id           bigint NOT NULL,
    account_id            bigint NOT NULL,
    event_id              text NOT NULL,                 -- the template.submitted event being handled
    -- set once PENDING is in Kafka; until then verdicts are answered "retry later"
    provider_template_id  text,
    submitted_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bot_id, name)
);

CREATE TABLE template_events (
    provider_template_id  text NOT NULL,
    state                 text NOT NULL,
    reason                text,
    received_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_template_id, state)
);
