-- Prepaid balances, the price list and the ledger. Written only by the billing service;
-- the gateway reads balances (and LISTENs on 'cpaas_billing'), the console goes through
-- billing's HTTP API. Amounts are integer minor units (paise for INR).

CREATE TABLE balances (
    account_id      bigint PRIMARY KEY,          -- console.accounts.id (another schema: no foreign key)
    balance_minor   bigint NOT NULL DEFAULT 0,   -- may go below zero: a carrier-accepted attempt is always charged
    currency        text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE prices (
    price_code      text PRIMARY KEY CHECK (price_code ~ '^[A-Z][A-Z0-9_]{1,39}$'),
    channel         text NOT NULL CHECK (channel IN ('SMS', 'WHATSAPP', 'RCS', 'VOICE')),
    unit            text NOT NULL,               -- what one unit is: segment, message, call
    description     text NOT NULL,
    amount_minor    bigint NOT NULL CHECK (amount_minor >= 0),  -- price of one unit
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text
);

-- One row per change of a balance. `amount_minor` is the signed change: a CREDIT is
-- positive, a DEBIT or a CHARGE negative; balance_after_minor is the balance right after
-- this entry, so the log reads like a bank statement.
CREATE TABLE ledger (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id          bigint NOT NULL,
    kind                text NOT NULL CHECK (kind IN ('CHARGE', 'CREDIT', 'DEBIT')),
    amount_minor        bigint NOT NULL,
    balance_after_minor bigint NOT NULL,
    currency            text NOT NULL,
    -- charges: the message attempt the carrier accepted, and how it was priced
    message_id          text,
    attempt             smallint,
    channel             text,
    price_code          text,
    units               integer,
    unit_price_minor    bigint,
    event_id            text,                    -- the status event that charged it (a redelivery re-publishes)
    -- adjustments: why and who
    reason              text,
    actor               text,
    idempotency_key     text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'CHARGE' OR (message_id IS NOT NULL AND attempt IS NOT NULL AND price_code IS NOT NULL
                                AND units >= 1 AND amount_minor <= 0)),
    CHECK (kind = 'CHARGE' OR (reason IS NOT NULL AND message_id IS NULL)),
    CHECK (kind <> 'CREDIT' OR amount_minor > 0),
    CHECK (kind <> 'DEBIT' OR amount_minor < 0)
);
-- A redelivered status event never charges twice: one charge per message attempt.
CREATE UNIQUE INDEX ledger_one_charge_per_attempt ON ledger (message_id, attempt) WHERE message_id IS NOT NULL;
-- A retried adjustment (same Idempotency-Key) applies once.
CREATE UNIQUE INDEX ledger_adjustment_idempotency ON ledger (account_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- The transaction log: an account's entries, newest first.
CREATE INDEX ledger_account_newest ON ledger (account_id, id DESC);

-- Every balance change notifies channel 'cpaas_billing' with '<account_id>:<balance_minor>'
-- (delivered at commit), so the gateway's credit-check cache updates at once. A row
-- trigger whose WHEN skips unchanged rows (the charging batch's lock statement touches
-- rows without changing them); PostgreSQL folds identical payloads of one transaction.
CREATE FUNCTION notify_balance_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('cpaas_billing', NEW.account_id || ':' || NEW.balance_minor);
    RETURN NULL;
END;
$$;

CREATE TRIGGER balances_notify AFTER UPDATE OF balance_minor ON balances
    FOR EACH ROW WHEN (OLD.balance_minor IS DISTINCT FROM NEW.balance_minor)
    EXECUTE FUNCTION notify_balance_change();

-- The documented default price list (services/billing/README.md); changed with
-- PUT /api/v1/billing/prices/{price_code}.
INSERT INTO prices (price_code, channel, unit, description, amount_minor) VALUES
    ('SMS_SEGMENT',   'SMS',      'segment', 'SMS, per segment (160 GSM-7 / 70 UCS-2 characters, 153 / 67 when concatenated)', 25),
    ('WA_UIC',        'WHATSAPP', 'message', 'WhatsApp UIC: utility-initiated (UTILITY template)', 35),
    ('WA_MIC',        'WHATSAPP', 'message', 'WhatsApp MIC: marketing-initiated (MARKETING template)', 80),
    ('WA_SIC',        'WHATSAPP', 'message', 'WhatsApp SIC: service (no template category)', 30),
    ('WA_AUTH',       'WHATSAPP', 'message', 'WhatsApp Auth: AUTHENTICATION template, domestic recipient', 15),
    ('WA_AUTH_INT',   'WHATSAPP', 'message', 'WhatsApp Auth INT: AUTHENTICATION template, international recipient', 120),
    ('RCS_TEXT',      'RCS',      'message', 'RCS text message', 20),
    ('RCS_RICH_CARD', 'RCS',      'message', 'RCS rich card', 40),
    ('RCS_CAROUSEL',  'RCS',      'message', 'RCS carousel', 60),
    ('VOICE_CALL',    'VOICE',    'call',    'Voice call', 100);
