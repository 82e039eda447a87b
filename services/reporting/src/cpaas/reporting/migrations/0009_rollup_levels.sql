-- Coarser rollup levels (issue 25, read side at 10 M messages): the charts' long ranges read
-- hour and day buckets instead of 15-minute ones, exactly.
--
-- Every level is a sum of the 15-minute full rollups (0008's `rollups`) and is kept by the
-- same flush, in the batch's own transaction, from the same summed deltas:
--   rollup_quarters  15-minute UTC buckets  } one "wide" row per (account, bucket, channel):
--   rollup_hours     UTC hours              } the count of each final status in its own
--   rollup_days      UTC days               } column, and how many are campaigns' messages
--   rollup_day_details  UTC days by (channel, status, sender ID, error code): senders, failures
--   rollup_campaigns    all time by (campaign, status): the campaigns table
-- A wide row holds what 0008's rollup_totals holds in up to 14 rows (7 statuses x campaign or
-- not), so a 90-day chart reads a few thousand rows at most (int counts: sum() adds them as bigint).
--
-- Which level may serve a query is decided by cpaas.message_log.analytics (`plan`): a row of
-- a level is read only when every 15-minute bucket inside it falls in the same chart bucket
-- in the account's zone. An hour in UTC is an hour in every whole-hour zone (and a day in
-- UTC only where the zone's day is UTC's, e.g. inside a week); in Asia/Kolkata (+5:30) or
-- Asia/Kathmandu (+5:45) an hour is read from the 15-minute level, a day from 15-minute
-- edges around whole UTC hours. So every answer stays an exact sum of 15-minute buckets.

CREATE TABLE rollup_quarters (
    account_id          bigint NOT NULL,
    bucket              timestamptz NOT NULL,       -- rollup_bucket(created_at)
    channel             text NOT NULL,
    messages            int NOT NULL DEFAULT 0,  -- every status
    submitted           int NOT NULL DEFAULT 0,
    submitted_operator  int NOT NULL DEFAULT 0,
    delivered           int NOT NULL DEFAULT 0,
    read                int NOT NULL DEFAULT 0,
    retrying            int NOT NULL DEFAULT 0,
    failed              int NOT NULL DEFAULT 0,
    undelivered         int NOT NULL DEFAULT 0,
    campaign            int NOT NULL DEFAULT 0,  -- of them, campaigns' messages (campaign_id <> 0)
    -- the counts in the index too: an account's range is read from contiguous index pages
    -- (index-only), not from a heap page per row (its rows are interleaved with every account's)
    PRIMARY KEY (account_id, bucket, channel) INCLUDE (messages, submitted, submitted_operator, delivered, read, retrying, failed, undelivered, campaign)
);
CREATE TABLE rollup_hours (LIKE rollup_quarters INCLUDING DEFAULTS,
    PRIMARY KEY (account_id, bucket, channel) INCLUDE (messages, submitted, submitted_operator, delivered, read, retrying, failed, undelivered, campaign));
CREATE TABLE rollup_days (LIKE rollup_quarters INCLUDING DEFAULTS,
    PRIMARY KEY (account_id, bucket, channel) INCLUDE (messages, submitted, submitted_operator, delivered, read, retrying, failed, undelivered, campaign));

CREATE TABLE rollup_day_details (
    account_id   bigint NOT NULL,
    bucket       timestamptz NOT NULL,              -- a UTC day
    channel      text NOT NULL,
    status       text NOT NULL,
    sender_id    text NOT NULL,
    error_code   text NOT NULL,
    messages     bigint NOT NULL,
    PRIMARY KEY (account_id, bucket, channel, status, sender_id, error_code) INCLUDE (messages)
);

CREATE TABLE rollup_campaigns (
    account_id   bigint NOT NULL,
    campaign_id  bigint NOT NULL,
    status       text NOT NULL,
    messages     bigint NOT NULL,
    PRIMARY KEY (account_id, campaign_id, status)
);

CREATE FUNCTION rollup_hour(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('1 hour', t, timestamptz '2000-01-01 00:00:00+00');

CREATE FUNCTION rollup_day(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('1 day', t, timestamptz '2000-01-01 00:00:00+00');

-- The 0008 delta shape (account, 15-minute bucket, channel, status, sender, campaign, error,
-- messages) summed into every coarser level; `d` is a query over that shape. One statement,
-- upserts in key order (concurrent flushes lock the same rows in the same order).
CREATE FUNCTION apply_rollup_levels(d text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    wide text := $w$
        INSERT INTO reporting.%1$s AS t (account_id, bucket, channel, messages, submitted, submitted_operator,
            delivered, read, retrying, failed, undelivered, campaign)
        SELECT account_id, %2$s, channel, sum(messages),
            COALESCE(sum(messages) FILTER (WHERE status = 'SUBMITTED'), 0),
            COALESCE(sum(messages) FILTER (WHERE status = 'SUBMITTED_OPERATOR'), 0),
            COALESCE(sum(messages) FILTER (WHERE status = 'DELIVERED'), 0),
            COALESCE(sum(messages) FILTER (WHERE status = 'READ'), 0),
            COALESCE(sum(messages) FILTER (WHERE status = 'RETRYING'), 0),
            COALESCE(sum(messages) FILTER (WHERE status = 'FAILED'), 0),
            COALESCE(sum(messages) FILTER (WHERE status = 'UNDELIVERED'), 0),
            COALESCE(sum(messages) FILTER (WHERE campaign_id <> 0), 0)
        FROM d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        ON CONFLICT (account_id, bucket, channel) DO UPDATE SET
            messages = t.messages + EXCLUDED.messages,
            submitted = t.submitted + EXCLUDED.submitted,
            submitted_operator = t.submitted_operator + EXCLUDED.submitted_operator,
            delivered = t.delivered + EXCLUDED.delivered,
            read = t.read + EXCLUDED.read,
            retrying = t.retrying + EXCLUDED.retrying,
            failed = t.failed + EXCLUDED.failed,
            undelivered = t.undelivered + EXCLUDED.undelivered,
            campaign = t.campaign + EXCLUDED.campaign
    $w$;
BEGIN
    EXECUTE format('WITH d AS (%s), '
        'q AS (' || format(wide, 'rollup_quarters', 'bucket') || ' RETURNING 1), '
        'h AS (' || format(wide, 'rollup_hours', 'reporting.rollup_hour(bucket)') || ' RETURNING 1), '
        'y AS (' || format(wide, 'rollup_days', 'reporting.rollup_day(bucket)') || ' RETURNING 1), '
        'dd AS (INSERT INTO reporting.rollup_day_details AS t '
        '    SELECT account_id, reporting.rollup_day(bucket), channel, status, sender_id, error_code, sum(messages) '
        '    FROM d GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(messages) <> 0 ORDER BY 1, 2, 3, 4, 5, 6 '
        '    ON CONFLICT (account_id, bucket, channel, status, sender_id, error_code) '
        '    DO UPDATE SET messages = t.messages + EXCLUDED.messages RETURNING 1), '
        'c AS (INSERT INTO reporting.rollup_campaigns AS t '
        '    SELECT account_id, campaign_id, status, sum(messages) FROM d WHERE campaign_id <> 0 '
        '    GROUP BY 1, 2, 3 HAVING sum(messages) <> 0 ORDER BY 1, 2, 3 '
        '    ON CONFLICT (account_id, campaign_id, status) DO UPDATE SET messages = t.messages + EXCLUDED.messages '
        '    RETURNING 1) '
        'SELECT (SELECT count(*) FROM q) + (SELECT count(*) FROM h) + (SELECT count(*) FROM y) '
        '    + (SELECT count(*) FROM dd) + (SELECT count(*) FROM c)', d);
END $$;

-- 0008's flush, now also into the levels (same deltas, same transaction).
CREATE OR REPLACE FUNCTION flush_rollups(every_xact boolean DEFAULT false) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    changed int;
BEGIN
    CREATE TEMP TABLE IF NOT EXISTS rollup_flush (
        account_id bigint, bucket timestamptz, channel text, status text, sender_id text, campaign_id bigint,
        error_code text, messages bigint
    );
    DELETE FROM rollup_flush;
    WITH taken AS (
        DELETE FROM reporting.rollup_deltas
        WHERE xact = pg_current_xact_id()
           OR (every_xact AND pg_xact_status(xact) = 'committed')
        RETURNING account_id, bucket, channel, status, sender_id, campaign_id, error_code, messages
    )
    INSERT INTO rollup_flush
    SELECT account_id, bucket, channel, status, sender_id, campaign_id, error_code, sum(messages)
    FROM taken
    GROUP BY account_id, bucket, channel, status, sender_id, campaign_id, error_code
    HAVING sum(messages) <> 0;
    GET DIAGNOSTICS changed = ROW_COUNT;
    IF changed = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO reporting.rollup_totals AS t (account_id, bucket, channel, status, campaign, messages)
    SELECT account_id, bucket, channel, status, campaign_id <> 0, sum(messages)
    FROM rollup_flush
    GROUP BY 1, 2, 3, 4, 5
    HAVING sum(messages) <> 0
    ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (account_id, bucket, channel, status, campaign) DO UPDATE SET messages = t.messages + EXCLUDED.messages;
    INSERT INTO reporting.rollups AS r (account_id, bucket, channel, status, sender_id, campaign_id, error_code, messages)
    SELECT * FROM rollup_flush
    ORDER BY account_id, bucket, channel, status, sender_id, campaign_id, error_code
    ON CONFLICT (account_id, bucket, channel, status, sender_id, campaign_id, error_code)
        DO UPDATE SET messages = r.messages + EXCLUDED.messages;
    PERFORM reporting.apply_rollup_levels('SELECT * FROM rollup_flush');
    DELETE FROM rollup_flush;
    RETURN changed;
END $$;

-- The levels of [since, until) recomputed from the 15-minute full rollups, each over its own
-- grain's whole buckets around the range (the full rollups outside the range are the
-- maintained ones, so the widened buckets stay exact): quarters and day details from the
-- full rollups, hours from quarters, days from hours; the campaigns' totals all over again.
CREATE FUNCTION rebuild_rollup_levels(since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz := COALESCE(reporting.rollup_day(since), '-infinity');
    hi timestamptz := COALESCE(CASE WHEN reporting.rollup_day(until) = until THEN until
        ELSE reporting.rollup_day(until) + interval '1 day' END, 'infinity');
BEGIN
    DELETE FROM reporting.rollup_quarters WHERE bucket >= lo AND bucket < hi;
    DELETE FROM reporting.rollup_hours WHERE bucket >= lo AND bucket < hi;
    DELETE FROM reporting.rollup_days WHERE bucket >= lo AND bucket < hi;
    DELETE FROM reporting.rollup_day_details WHERE bucket >= lo AND bucket < hi;
    DELETE FROM reporting.rollup_campaigns;
    INSERT INTO reporting.rollup_quarters
    SELECT account_id, bucket, channel, sum(messages),
        COALESCE(sum(messages) FILTER (WHERE status = 'SUBMITTED'), 0),
        COALESCE(sum(messages) FILTER (WHERE status = 'SUBMITTED_OPERATOR'), 0),
        COALESCE(sum(messages) FILTER (WHERE status = 'DELIVERED'), 0),
        COALESCE(sum(messages) FILTER (WHERE status = 'READ'), 0),
        COALESCE(sum(messages) FILTER (WHERE status = 'RETRYING'), 0),
        COALESCE(sum(messages) FILTER (WHERE status = 'FAILED'), 0),
        COALESCE(sum(messages) FILTER (WHERE status = 'UNDELIVERED'), 0),
        COALESCE(sum(messages) FILTER (WHERE campaign_id <> 0), 0)
    FROM reporting.rollups WHERE bucket >= lo AND bucket < hi AND messages <> 0
    GROUP BY 1, 2, 3;
    INSERT INTO reporting.rollup_hours
    SELECT account_id, reporting.rollup_hour(bucket), channel, sum(messages), sum(submitted), sum(submitted_operator), sum(delivered), sum(read), sum(retrying), sum(failed),
        sum(undelivered), sum(campaign)
    FROM reporting.rollup_quarters WHERE bucket >= lo AND bucket < hi
    GROUP BY 1, 2, 3;
    INSERT INTO reporting.rollup_days
    SELECT account_id, reporting.rollup_day(bucket), channel, sum(messages), sum(submitted), sum(submitted_operator), sum(delivered), sum(read), sum(retrying), sum(failed),
        sum(undelivered), sum(campaign)
    FROM reporting.rollup_hours WHERE bucket >= lo AND bucket < hi
    GROUP BY 1, 2, 3;
    INSERT INTO reporting.rollup_day_details
    SELECT account_id, reporting.rollup_day(bucket), channel, status, sender_id, error_code, sum(messages)
    FROM reporting.rollups WHERE bucket >= lo AND bucket < hi AND messages <> 0
    GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(messages) <> 0;
    INSERT INTO reporting.rollup_campaigns
    SELECT account_id, campaign_id, status, sum(messages) FROM reporting.rollups
    WHERE campaign_id <> 0 AND messages <> 0
    GROUP BY 1, 2, 3 HAVING sum(messages) <> 0;
END $$;

CREATE OR REPLACE FUNCTION rebuild_rollups(since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL) RETURNS int
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
    PERFORM reporting.rebuild_rollup_levels(reporting.rollup_bucket(since), until);
    RETURN written;
END $$;

-- Retention: the campaigns' totals lose the dropped buckets' messages, then every level
-- drops its buckets before `cutoff` (a UTC day: a whole bucket of every level).
CREATE OR REPLACE FUNCTION drop_rollups_before(cutoff date) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    deleted int;
    edge timestamptz := cutoff::timestamp AT TIME ZONE 'UTC';
BEGIN
    UPDATE reporting.rollup_campaigns t SET messages = t.messages - s.messages
    FROM (
        SELECT account_id, campaign_id, status, sum(messages) AS messages FROM reporting.rollups
        WHERE bucket < edge AND campaign_id <> 0 GROUP BY 1, 2, 3
    ) s
    WHERE t.account_id = s.account_id AND t.campaign_id = s.campaign_id AND t.status = s.status;
    DELETE FROM reporting.rollups WHERE bucket < edge;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    DELETE FROM reporting.rollup_totals WHERE bucket < edge;
    DELETE FROM reporting.rollup_quarters WHERE bucket < edge;
    DELETE FROM reporting.rollup_hours WHERE bucket < edge;
    DELETE FROM reporting.rollup_days WHERE bucket < edge;
    DELETE FROM reporting.rollup_day_details WHERE bucket < edge;
    DELETE FROM reporting.rollups WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_totals WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_quarters WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_hours WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_days WHERE messages = 0 AND bucket < now() - interval '3 days';
    DELETE FROM reporting.rollup_day_details WHERE messages = 0 AND bucket < now() - interval '3 days';
    DELETE FROM reporting.rollup_campaigns WHERE messages = 0;
    RETURN deleted;
END $$;

SELECT rebuild_rollup_levels();
