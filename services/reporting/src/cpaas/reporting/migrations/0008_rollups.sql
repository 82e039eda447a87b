-- Rollups (issue 25): message counts by account, 15-minute UTC bucket of created_at,
-- channel, final status, sender ID, campaign and error code, maintained in the same
-- transaction as the message-log batch that changes them, so every chart reads these
-- rows and never scans the log.
--
-- A message counts once, by its current row in `messages` (the state of its latest
-- attempt): statement-level AFTER triggers on `messages` (transition tables) record, for
-- every inserted row +1 on its key and for every updated row -1 on the old key and +1 on
-- the new one. Redelivered and out-of-order events change no row or leave the key as it
-- was (the deltas cancel), so they count nothing twice. The triggers only append the
-- deltas to rollup_deltas (no lock on a shared row); flush_rollups(), the batch's last
-- statement, sums this transaction's deltas and upserts them in key order, so concurrent
-- batches lock the same rollup rows in the same order, briefly, and cannot deadlock.
--
-- Buckets are 15 minutes of UTC: every time zone's offset is a multiple of 15 minutes, so
-- an account's hours, days and weeks are whole sums of buckets at query time in whatever
-- zone it has now (a time-zone change needs no rebuild). NULL sender, campaign and error
-- are stored as '', 0 and '' (key columns of a primary key cannot be NULL). The functions name
-- their tables with the schema: the console's tests write the log with another search_path.

CREATE FUNCTION rollup_bucket(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('15 minutes', t, timestamptz '2000-01-01 00:00:00+00');

CREATE TABLE rollups (
    account_id   bigint NOT NULL,
    bucket       timestamptz NOT NULL,           -- rollup_bucket(created_at): a 15-minute UTC bucket
    channel      text NOT NULL,                  -- messages.channel (of the latest attempt), as Reports filters
    status       text NOT NULL,                  -- messages.status (the final state)
    sender_id    text NOT NULL DEFAULT '',
    campaign_id  bigint NOT NULL DEFAULT 0,
    error_code   text NOT NULL DEFAULT '',       -- messages.error_code (the platform's code)
    messages     bigint NOT NULL,
    PRIMARY KEY (account_id, bucket, channel, status, sender_id, campaign_id, error_code)
);

-- campaign delivery: an account's rows of given campaigns
CREATE INDEX rollups_account_campaign ON rollups (account_id, campaign_id) WHERE campaign_id <> 0;

-- The same counts without sender, campaign id and error code (only whether the message is a
-- campaign's): what the Report Summary and the time charts read, several times fewer rows.
CREATE TABLE rollup_totals (
    account_id   bigint NOT NULL,
    bucket       timestamptz NOT NULL,
    channel      text NOT NULL,
    status       text NOT NULL,
    campaign     boolean NOT NULL,               -- campaign_id <> 0
    messages     bigint NOT NULL,
    PRIMARY KEY (account_id, bucket, channel, status, campaign)
);

-- The not yet applied deltas of running transactions (xact = pg_current_xact_id()).
CREATE UNLOGGED TABLE rollup_deltas (
    xact         xid8 NOT NULL,
    account_id   bigint NOT NULL,
    bucket       timestamptz NOT NULL,
    channel      text NOT NULL,
    status       text NOT NULL,
    sender_id    text NOT NULL,
    campaign_id  bigint NOT NULL,
    error_code   text NOT NULL,
    messages     bigint NOT NULL
);
CREATE INDEX rollup_deltas_xact ON rollup_deltas (xact);

CREATE FUNCTION rollups_on_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting.rollup_deltas
    SELECT pg_current_xact_id(), account_id, reporting.rollup_bucket(created_at), channel, status, COALESCE(sender_id, ''),
        COALESCE(campaign_id, 0), COALESCE(error_code, ''), count(*)
    FROM new_rows
    GROUP BY 2, 3, 4, 5, 6, 7, 8;
    RETURN NULL;
END $$;

CREATE FUNCTION rollups_on_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting.rollup_deltas
    SELECT pg_current_xact_id(), account_id, bucket, channel, status, sender_id, campaign_id, error_code, sum(n)
    FROM (
        SELECT account_id, reporting.rollup_bucket(created_at) AS bucket, channel, status, COALESCE(sender_id, '') AS sender_id,
            COALESCE(campaign_id, 0) AS campaign_id, COALESCE(error_code, '') AS error_code, 1 AS n
        FROM new_rows
        UNION ALL
        SELECT account_id, reporting.rollup_bucket(created_at), channel, status, COALESCE(sender_id, ''),
            COALESCE(campaign_id, 0), COALESCE(error_code, ''), -1
        FROM old_rows
    ) d
    GROUP BY account_id, bucket, channel, status, sender_id, campaign_id, error_code
    HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION rollups_on_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reporting.rollup_deltas
    SELECT pg_current_xact_id(), account_id, reporting.rollup_bucket(created_at), channel, status, COALESCE(sender_id, ''),
        COALESCE(campaign_id, 0), COALESCE(error_code, ''), -count(*)
    FROM old_rows
    GROUP BY 2, 3, 4, 5, 6, 7, 8;
    RETURN NULL;
END $$;

CREATE TRIGGER messages_rollups_insert AFTER INSERT ON messages
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollups_on_insert();
CREATE TRIGGER messages_rollups_update AFTER UPDATE ON messages
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION rollups_on_update();
CREATE TRIGGER messages_rollups_delete AFTER DELETE ON messages
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION rollups_on_delete();

-- Applies this transaction's deltas (every_xact: also those a finished transaction left,
-- e.g. a writer that never called it), summed, in key order; returns the keys changed.
CREATE FUNCTION flush_rollups(every_xact boolean DEFAULT false) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    changed int;
BEGIN
    WITH taken AS (
        DELETE FROM reporting.rollup_deltas
        WHERE xact = pg_current_xact_id()
           OR (every_xact AND pg_xact_status(xact) = 'committed')
        RETURNING account_id, bucket, channel, status, sender_id, campaign_id, error_code, messages
    ), summed AS (
        SELECT account_id, bucket, channel, status, sender_id, campaign_id, error_code, sum(messages) AS messages
        FROM taken
        GROUP BY account_id, bucket, channel, status, sender_id, campaign_id, error_code
        HAVING sum(messages) <> 0
    ), totals AS (
        INSERT INTO reporting.rollup_totals AS t (account_id, bucket, channel, status, campaign, messages)
        SELECT account_id, bucket, channel, status, campaign_id <> 0, sum(messages)
        FROM summed
        GROUP BY 1, 2, 3, 4, 5
        HAVING sum(messages) <> 0
        ORDER BY 1, 2, 3, 4, 5
        ON CONFLICT (account_id, bucket, channel, status, campaign) DO UPDATE SET messages = t.messages + EXCLUDED.messages
        RETURNING 1
    ), full_rows AS (
        INSERT INTO reporting.rollups AS r (account_id, bucket, channel, status, sender_id, campaign_id, error_code, messages)
        SELECT * FROM summed
        ORDER BY account_id, bucket, channel, status, sender_id, campaign_id, error_code
        ON CONFLICT (account_id, bucket, channel, status, sender_id, campaign_id, error_code)
            DO UPDATE SET messages = r.messages + EXCLUDED.messages
        RETURNING 1
    )
    SELECT (SELECT count(*) FROM full_rows) + (SELECT count(*) FROM totals) INTO changed;
    RETURN changed;
END $$;

-- The rollups of [since, until) rebuilt from a scan of the log (NULL: every time), in one
-- statement pair under a lock that keeps the batches out meanwhile; returns the rows written.
CREATE FUNCTION rebuild_rollups(since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    written int;
BEGIN
    LOCK TABLE reporting.rollups, reporting.rollup_totals IN EXCLUSIVE MODE;
    PERFORM reporting.flush_rollups(true);
    DELETE FROM reporting.rollups
    WHERE (since IS NULL OR bucket >= reporting.rollup_bucket(since)) AND (until IS NULL OR bucket < until);
    INSERT INTO reporting.rollups (account_id, bucket, channel, status, sender_id, campaign_id, error_code, messages)
    SELECT account_id, reporting.rollup_bucket(created_at), channel, status, COALESCE(sender_id, ''), COALESCE(campaign_id, 0),
        COALESCE(error_code, ''), count(*)
    FROM reporting.messages
    WHERE (since IS NULL OR created_at >= reporting.rollup_bucket(since)) AND (until IS NULL OR created_at < until)
    GROUP BY 1, 2, 3, 4, 5, 6, 7
    ORDER BY 1, 2, 3, 4, 5, 6, 7;
    GET DIAGNOSTICS written = ROW_COUNT;
    DELETE FROM reporting.rollup_totals
    WHERE (since IS NULL OR bucket >= reporting.rollup_bucket(since)) AND (until IS NULL OR bucket < until);
    INSERT INTO reporting.rollup_totals (account_id, bucket, channel, status, campaign, messages)
    SELECT account_id, bucket, channel, status, campaign_id <> 0, sum(messages)
    FROM reporting.rollups
    WHERE (since IS NULL OR bucket >= reporting.rollup_bucket(since)) AND (until IS NULL OR bucket < until)
    GROUP BY 1, 2, 3, 4, 5
    ORDER BY 1, 2, 3, 4, 5;
    RETURN written;
END $$;

-- Retention: the rollups of days before `cutoff` (a UTC day), as their partitions are dropped.
CREATE FUNCTION drop_rollups_before(cutoff date) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    deleted int;
BEGIN
    DELETE FROM reporting.rollups WHERE bucket < cutoff::timestamp AT TIME ZONE 'UTC';
    GET DIAGNOSTICS deleted = ROW_COUNT;
    DELETE FROM reporting.rollup_totals WHERE bucket < cutoff::timestamp AT TIME ZONE 'UTC';
    DELETE FROM reporting.rollups WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_totals WHERE messages = 0 AND bucket < now() - interval '2 days';
    RETURN deleted;
END $$;

SELECT rebuild_rollups();
