-- The message log. Written only by the reporting service; the gateway and the console
-- read these tables with plain SQL, so their table and column names are a contract
-- (columns may be added, never renamed or removed).
--
-- Every table is partitioned by day (UTC) on created_at, the creation time encoded in
-- the message id, so retention is a partition drop and a report scans only its days.
-- Partitions are named <table>_pYYYYMMDD and made by ensure_day_partitions() below,
-- which the service calls for the days a batch touches and ahead of time.
--
-- Status rule (cpaas.contracts.enums.supersedes): a later attempt (fallback level)
-- supersedes an earlier one; within an attempt a status only moves to a higher
-- status_rank, and never out of FAILED or UNDELIVERED. Ranks: RETRYING 0, SUBMITTED 1,
-- SUBMITTED_OPERATOR 2, DELIVERED / UNDELIVERED / FAILED 3, READ 4. A message row shows
-- the state of its highest attempt, so late and duplicate events change nothing.

-- One row per message: the state of its latest attempt, with the earliest sent,
-- delivered and read times over all attempts.
CREATE TABLE messages (
    message_id          text NOT NULL,
    created_at          timestamptz NOT NULL,       -- from the message id
    account_id          bigint NOT NULL,
    recipient           text NOT NULL,
    channel             text NOT NULL,              -- of the latest attempt
    primary_channel     text NOT NULL,              -- of attempt 1
    attempt             int NOT NULL DEFAULT 1,     -- the latest attempt seen
    status              text NOT NULL,
    status_rank         smallint NOT NULL,
    status_at           timestamptz,                -- when the current status occurred
    template_id         bigint,                     -- of the latest attempt, as are template_name, sender_id
    template_name       text,
    sender_id           text,
    campaign_id         bigint,
    submitted_at        timestamptz,                -- first submit of any attempt
    sent_at             timestamptz,                -- first SUBMITTED_OPERATOR: dispatched to the carrier
    delivered_at        timestamptz,
    read_at             timestamptz,
    error_code          text,                       -- error fields and carrier ids: of the latest attempt
    error_detail        text,
    carrier_error_code  text,
    carrier_message_id  text,
    segments            int,
    cost_minor          bigint,                     -- NULL until billing publishes billing.charged
    currency            text,
    fallback_levels     int NOT NULL DEFAULT 0,     -- fallback levels of the primary submit
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, created_at)
) PARTITION BY RANGE (created_at);

-- the Reports filters: by account and time, then by recipient, status, campaign, channel
CREATE INDEX messages_account_created ON messages (account_id, created_at DESC);
CREATE INDEX messages_account_recipient_created ON messages (account_id, recipient, created_at DESC);
CREATE INDEX messages_account_status_created ON messages (account_id, status, created_at DESC);
CREATE INDEX messages_account_campaign_created ON messages (account_id, campaign_id, created_at DESC);
CREATE INDEX messages_account_channel_created ON messages (account_id, channel, created_at DESC);

-- One row per attempt (attempt 1 = the primary channel, 2 and 3 = fallback levels).
CREATE TABLE message_attempts (
    message_id          text NOT NULL,
    created_at          timestamptz NOT NULL,
    attempt             int NOT NULL,
    channel             text NOT NULL,
    status              text NOT NULL,
    status_rank         smallint NOT NULL,
    status_at           timestamptz,
    template_id         bigint,
    template_name       text,
    sender_id           text,
    carrier_message_id  text,
    submitted_at        timestamptz,
    sent_at             timestamptz,
    delivered_at        timestamptz,
    read_at             timestamptz,
    error_code          text,
    error_detail        text,
    carrier_error_code  text,
    segments            int,
    cost_minor          bigint,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (message_id, created_at, attempt)
) PARTITION BY RANGE (created_at);

-- The append-only history of a message: every submit and status event once (a
-- duplicate event id is ignored), for a message's detail view.
CREATE TABLE message_events (
    event_id            text NOT NULL,              -- the CloudEvent id
    message_id          text NOT NULL,
    created_at          timestamptz NOT NULL,
    event_type          text NOT NULL,              -- the CloudEvent type: submitted or status_changed
    attempt             int NOT NULL,
    channel             text NOT NULL,
    status              text NOT NULL,              -- a submit records SUBMITTED (attempt 1) or RETRYING
    occurred_at         timestamptz NOT NULL,
    error_code          text,
    error_detail        text,
    carrier_error_code  text,
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, created_at)
) PARTITION BY RANGE (created_at);

CREATE INDEX message_events_message ON message_events (message_id, created_at, occurred_at);

-- True when a status of rank new_rank may follow cur_status within one attempt.
CREATE FUNCTION status_advances(cur_status text, cur_rank smallint, new_rank smallint) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN new_rank > cur_rank AND cur_status NOT IN ('FAILED', 'UNDELIVERED');

-- Creates the day partitions of all three tables for each day given (UTC days) and
-- returns how many tables it created. Replicas creating the same day at once would
-- collide in the catalog, so creation is serialised by a transaction advisory lock.
CREATE FUNCTION ensure_day_partitions(days date[]) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    day date;
    parent text;
    part text;
    created int := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('cpaas.reporting.partitions'));
    FOREACH day IN ARRAY days LOOP
        FOREACH parent IN ARRAY ARRAY['messages', 'message_attempts', 'message_events'] LOOP
            part := parent || '_p' || to_char(day, 'YYYYMMDD');
            IF to_regclass(format('reporting.%I', part)) IS NULL THEN
                EXECUTE format(
                    'CREATE TABLE reporting.%I PARTITION OF reporting.%I FOR VALUES FROM (%L) TO (%L)',
                    part, parent, to_char(day, 'YYYY-MM-DD') || ' 00:00:00+00',
                    to_char(day + 1, 'YYYY-MM-DD') || ' 00:00:00+00');
                created := created + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END;
$$;

-- Drops the day partitions of all three tables older than `cutoff` (a UTC day, kept)
-- and returns their names.
CREATE FUNCTION drop_day_partitions_before(cutoff date) RETURNS text[]
LANGUAGE plpgsql AS $$
DECLARE
    part text;
    dropped text[] := '{}';
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('cpaas.reporting.partitions'));
    FOR part IN
        SELECT c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE n.nspname = 'reporting'
          AND p.relname IN ('messages', 'message_attempts', 'message_events')
          AND c.relname ~ '_p[0-9]{8}$'
        ORDER BY c.relname
    LOOP
        IF to_date(right(part, 8), 'YYYYMMDD') < cutoff THEN
            EXECUTE format('DROP TABLE reporting.%I', part);
            dropped := dropped || part;
        END IF;
    END LOOP;
    RETURN dropped;
END;
$$;
