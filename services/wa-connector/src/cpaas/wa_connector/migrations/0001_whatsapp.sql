-- What the WhatsApp connector sent and registered, and which provider statuses it applied.
-- Written only by the wa-connector.

-- One row per message attempt, written BEFORE the provider is called: an attempt whose
-- row is ACCEPTED or REFUSED is never sent again.
CREATE TABLE sends (
    message_id          text NOT NULL,
    attempt             smallint NOT NULL,
    account_id          bigint NOT NULL,
    recipient           text NOT NULL,               -- E.164 with '+'
    template_id         bigint NOT NULL,
    sender_id           text,
    campaign_id         bigint,
    -- SENDING: claimed, not (yet) known to be sent; ACCEPTED: the provider answered with
    -- a wamid; REFUSED: not sent (provider refusal or nothing to send)
    state               text NOT NULL DEFAULT 'SENDING' CHECK (state IN ('SENDING', 'ACCEPTED', 'REFUSED')),
    wamid               text UNIQUE,                 -- the provider's message id
    phone_number_id     text,                        -- the WABA number it was sent from
    -- our latest status of this attempt (moves forward only, cpaas.contracts.can_transition)
    status              text CHECK (status IN ('SUBMITTED_OPERATOR', 'DELIVERED', 'READ', 'FAILED')),
    sent_at             timestamptz,                 -- acceptance or refusal time
    error_code          text,
    error_detail        text,
    carrier_error_code  text,
    -- true once the SUBMITTED_OPERATOR / FAILED event of the send is in Kafka
    announced           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, attempt)
);

-- Each provider status applied once: a duplicate webhook finds its row and changes nothing.
CREATE TABLE webhook_statuses (
    wamid               text NOT NULL,
    provider_status     text NOT NULL,               -- sent, delivered, read, failed, ...
    message_id          text NOT NULL,
    attempt             smallint NOT NULL,
    occurred_at         timestamptz NOT NULL,        -- the webhook's timestamp
    received_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (wamid, provider_status)
);
CREATE INDEX webhook_statuses_message ON webhook_statuses (message_id, attempt);

-- Template registrations: one row per template.submitted event (its CloudEvent id),
-- written before the provider is called; the verdict webhook finds it by the provider's
-- template id, or by WABA, name and language when it overtakes the registration answer.
CREATE TABLE templates (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    submission_id       text NOT NULL UNIQUE,
    template_id         bigint NOT NULL,             -- console.templates.id
    account_id          bigint NOT NULL,
    waba_id             text,                        -- NULL when the account has no WABA to register with
    name                text NOT NULL,               -- as registered with the provider
    language            text NOT NULL,
    provider_template_id text UNIQUE,
    -- REGISTERING: claimed, the provider not (yet) known to have it; then our template status
    status              text NOT NULL DEFAULT 'REGISTERING'
                        CHECK (status IN ('REGISTERING', 'PENDING', 'APPROVED', 'FAILED')),
    reason              text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX templates_by_name ON templates (waba_id, name, language, id DESC);
