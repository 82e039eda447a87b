-- A 30-minute rollup level (issue 25, the 90-day hourly chart in half-hour zones): in
-- Asia/Kolkata (+5:30) an hour of the account's zone is two UTC half hours, in
-- Asia/Kathmandu (+5:45) one half hour and two 15-minute buckets, so an hourly chart there
-- reads two (or three) rows an hour instead of four 15-minute ones.
--
-- rollup_halves is a wide level like 0009's (one row per account, UTC half hour and channel,
-- a column per final status and the campaign messages), kept by the same flush in the
-- batch's transaction from the same summed deltas, rebuilt and dropped with the others.
-- `cpaas.message_log.analytics.plan` reads it only where both of its 15-minute buckets fall
-- in one chart bucket, so every answer stays an exact sum of 15-minute buckets.

CREATE TABLE rollup_halves (LIKE rollup_quarters INCLUDING DEFAULTS,
    PRIMARY KEY (account_id, bucket, channel) INCLUDE (messages, submitted, submitted_operator, delivered, read, retrying, failed, undelivered, campaign));

CREATE FUNCTION rollup_half(t timestamptz) RETURNS timestamptz
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN date_bin('30 minutes', t, timestamptz '2000-01-01 00:00:00+00');

-- 0009's levels, and the half hours (same statement, upserts in key order).
CREATE OR REPLACE FUNCTION apply_rollup_levels(d text) RETURNS void
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
        'hh AS (' || format(wide, 'rollup_halves', 'reporting.rollup_half(bucket)') || ' RETURNING 1), '
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
        'SELECT (SELECT count(*) FROM q) + (SELECT count(*) FROM hh) + (SELECT count(*) FROM h) '
        '    + (SELECT count(*) FROM y) + (SELECT count(*) FROM dd) + (SELECT count(*) FROM c)', d);
END $$;

-- 0009's rebuild, with the half hours from the quarters (the hours, from the half hours).
CREATE OR REPLACE FUNCTION rebuild_rollup_levels(since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    lo timestamptz := COALESCE(reporting.rollup_day(since), '-infinity');
    hi timestamptz := COALESCE(CASE WHEN reporting.rollup_day(until) = until THEN until
        ELSE reporting.rollup_day(until) + interval '1 day' END, 'infinity');
BEGIN
    DELETE FROM reporting.rollup_quarters WHERE bucket >= lo AND bucket < hi;
    DELETE FROM reporting.rollup_halves WHERE bucket >= lo AND bucket < hi;
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
    INSERT INTO reporting.rollup_halves
    SELECT account_id, reporting.rollup_half(bucket), channel, sum(messages), sum(submitted), sum(submitted_operator),
        sum(delivered), sum(read), sum(retrying), sum(failed), sum(undelivered), sum(campaign)
    FROM reporting.rollup_quarters WHERE bucket >= lo AND bucket < hi
    GROUP BY 1, 2, 3;
    INSERT INTO reporting.rollup_hours
    SELECT account_id, reporting.rollup_hour(bucket), channel, sum(messages), sum(submitted), sum(submitted_operator),
        sum(delivered), sum(read), sum(retrying), sum(failed), sum(undelivered), sum(campaign)
    FROM reporting.rollup_halves WHERE bucket >= lo AND bucket < hi
    GROUP BY 1, 2, 3;
    INSERT INTO reporting.rollup_days
    SELECT account_id, reporting.rollup_day(bucket), channel, sum(messages), sum(submitted), sum(submitted_operator),
        sum(delivered), sum(read), sum(retrying), sum(failed), sum(undelivered), sum(campaign)
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

-- 0009's retention, with the half hours.
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
    DELETE FROM reporting.rollup_halves WHERE bucket < edge;
    DELETE FROM reporting.rollup_hours WHERE bucket < edge;
    DELETE FROM reporting.rollup_days WHERE bucket < edge;
    DELETE FROM reporting.rollup_day_details WHERE bucket < edge;
    DELETE FROM reporting.rollups WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_totals WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_quarters WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_halves WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_hours WHERE messages = 0 AND bucket < now() - interval '2 days';
    DELETE FROM reporting.rollup_days WHERE messages = 0 AND bucket < now() - interval '3 days';
    DELETE FROM reporting.rollup_day_details WHERE messages = 0 AND bucket < now() - interval '3 days';
    DELETE FROM reporting.rollup_campaigns WHERE messages = 0;
    RETURN deleted;
END $$;

-- The half hours of the data already there, from its quarters (exact: the quarters are).
INSERT INTO rollup_halves
SELECT account_id, rollup_half(bucket), channel, sum(messages), sum(submitted), sum(submitted_operator),
    sum(delivered), sum(read), sum(retrying), sum(failed), sum(undelivered), sum(campaign)
FROM rollup_quarters
GROUP BY 1, 2, 3;
