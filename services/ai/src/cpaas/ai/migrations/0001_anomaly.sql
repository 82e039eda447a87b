-- Traffic Anomaly and Spam Detection (issue 24). Written only by the ai service.
--
-- The subscriber of msg.submit.* and msg.status counts each message attempt's submit,
-- delivery and failure once: `counted` holds the key <message id>/<attempt>/<outcome> of
-- every counted fact (a redelivered event, or the router's FAILED after a connector's
-- UNDELIVERED, finds its key and adds nothing), in the same transaction as the counts.
-- Each batch also adds its counts to the roll-ups (`sender_hour`, `destinations`); minute
-- rows, hour rows, counted keys and idle destinations are pruned by age.

CREATE TABLE counted (
    fact_key    text PRIMARY KEY,
    minute      timestamptz NOT NULL
);
CREATE INDEX counted_minute ON counted (minute);

-- per minute and account, by channel, sender ID ('' none), destination country ('ZZ'
-- unknown), number prefix (the number without its last 4 digits) and template (0 none)
CREATE TABLE traffic_minute (
    minute       timestamptz NOT NULL,
    account_id   bigint NOT NULL,
    channel      text NOT NULL,
    sender_id    text NOT NULL,
    country      text NOT NULL,
    prefix       text NOT NULL,
    template_id  bigint NOT NULL,
    submitted    int NOT NULL DEFAULT 0,
    otp          int NOT NULL DEFAULT 0,    -- submits of authentication / OTP templates
    delivered    int NOT NULL DEFAULT 0,
    failed       int NOT NULL DEFAULT 0,    -- FAILED or UNDELIVERED
    blacklisted  int NOT NULL DEFAULT 0,    -- failures for RECIPIENT_BLACKLISTED
    PRIMARY KEY (account_id, minute, channel, sender_id, country, prefix, template_id)
);
CREATE INDEX traffic_minute_minute ON traffic_minute (minute);

-- the roll-up kept for baselines: per hour, account and sender (written with the minute rows)
CREATE TABLE sender_hour (
    hour         timestamptz NOT NULL,
    account_id   bigint NOT NULL,
    sender_id    text NOT NULL,
    submitted    int NOT NULL DEFAULT 0,
    otp          int NOT NULL DEFAULT 0,
    delivered    int NOT NULL DEFAULT 0,
    failed       int NOT NULL DEFAULT 0,
    blacklisted  int NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, hour, sender_id)
);
CREATE INDEX sender_hour_hour ON sender_hour (hour);

-- every number range (and so country) an account has sent to, with its submits
CREATE TABLE destinations (
    account_id   bigint NOT NULL,
    prefix       text NOT NULL,
    country      text NOT NULL,
    submitted    bigint NOT NULL DEFAULT 0,
    first_seen   timestamptz NOT NULL,
    last_seen    timestamptz NOT NULL,
    PRIMARY KEY (account_id, prefix)
);
CREATE INDEX destinations_account_country ON destinations (account_id, country, first_seen);
CREATE INDEX destinations_last_seen ON destinations (last_seen);

-- OTP submits per recipient (OTP flooding of one number or of a run of numbers)
CREATE TABLE otp_minute (
    minute      timestamptz NOT NULL,
    account_id  bigint NOT NULL,
    recipient   text NOT NULL,
    prefix      text NOT NULL,
    messages    int NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, minute, recipient)
);
CREATE INDEX otp_minute_minute ON otp_minute (minute);

-- submits per identical content (template and variables) and sender (spam: the same text to many)
CREATE TABLE content_minute (
    minute        timestamptz NOT NULL,
    account_id    bigint NOT NULL,
    sender_id     text NOT NULL,
    content_hash  text NOT NULL,
    template_id   bigint NOT NULL,
    messages      int NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, minute, sender_id, content_hash)
);
CREATE INDEX content_minute_minute ON content_minute (minute);

-- Anomaly (Traffic Anomaly) and spam (Spam Detection) alerts. One row per condition: while
-- it persists (seen again within the persistence gap) the detector updates this row.
CREATE TABLE alerts (
    alert_id      bigserial PRIMARY KEY,
    account_id    bigint NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('ANOMALY', 'SPAM')),
    alert_type    text NOT NULL,
    severity      int NOT NULL CHECK (severity BETWEEN 0 AND 100),
    subject_type  text NOT NULL,
    subject       text NOT NULL,
    window_start  timestamptz NOT NULL,
    window_end    timestamptz NOT NULL,
    evidence      jsonb NOT NULL DEFAULT '{}',
    status        text NOT NULL DEFAULT 'ACTIVE' CHECK (status IN ('ACTIVE', 'ACKNOWLEDGED')),
    raised_at     timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    acknowledged_at timestamptz
);
CREATE INDEX alerts_account_kind_raised ON alerts (account_id, kind, raised_at DESC);
CREATE INDEX alerts_condition ON alerts (account_id, alert_type, subject, updated_at DESC);

-- the last fraud probability per account, with its top reasons
CREATE TABLE fraud_scores (
    account_id   bigint PRIMARY KEY,
    probability  double precision NOT NULL,
    reasons      jsonb NOT NULL DEFAULT '[]',
    scored_at    timestamptz NOT NULL
);
