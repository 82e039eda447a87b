-- Times in causal order (issue 20, point 4). A carrier's or provider's clock is not ours: an
-- SMPP receipt's done date has minute precision, so a receipt 1 ms after submit_sm_resp
-- reads earlier than the send; a WhatsApp READ may arrive before (or without) its DELIVERED;
-- a provider's time may precede the message's creation. The provider's own times are kept
-- verbatim in provider_* columns; the shown times (submitted_at <= sent_at <= delivered_at
-- <= read_at, none before the attempt was created or submitted) are derived from them by
-- causal_times() below, and the history's occurred_at by its causal order (seq): attempt,
-- status rank, provider time, each time at least the one before it.

ALTER TABLE message_attempts
    ADD COLUMN provider_sent_at      timestamptz,   -- the earliest SUBMITTED_OPERATOR time as reported
    ADD COLUMN provider_delivered_at timestamptz,
    ADD COLUMN provider_read_at      timestamptz,
    ADD COLUMN variables             jsonb;         -- the attempt's template variables (the body is rendered from them)

ALTER TABLE message_events
    ADD COLUMN provider_at timestamptz,             -- occurred_at as the event reported it
    ADD COLUMN seq         int;                     -- the event's place in the message's causal order

UPDATE message_attempts SET provider_sent_at = sent_at, provider_delivered_at = delivered_at,
    provider_read_at = read_at
WHERE sent_at IS NOT NULL OR delivered_at IS NOT NULL OR read_at IS NOT NULL;
UPDATE message_events SET provider_at = occurred_at;

-- The shown times of an attempt from the reported ones: each at least the one before it and
-- the attempt's own creation and submit; a READ implies delivered, a delivery implies sent.
CREATE FUNCTION causal_times(
    created timestamptz, submitted timestamptz, p_sent timestamptz, p_delivered timestamptz, p_read timestamptz,
    OUT sent_at timestamptz, OUT delivered_at timestamptz, OUT read_at timestamptz)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    floor_at timestamptz := GREATEST(created, submitted);  -- GREATEST skips a NULL submitted
BEGIN
    sent_at := CASE WHEN p_sent IS NOT NULL THEN GREATEST(p_sent, floor_at) END;
    delivered_at := CASE WHEN p_delivered IS NOT NULL THEN GREATEST(p_delivered, COALESCE(sent_at, floor_at)) END;
    read_at := CASE WHEN p_read IS NOT NULL THEN GREATEST(p_read, COALESCE(delivered_at, sent_at, floor_at)) END;
    delivered_at := COALESCE(delivered_at, read_at);
    sent_at := COALESCE(sent_at, delivered_at);
END $$;

CREATE FUNCTION event_rank(status text) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE status WHEN 'RETRYING' THEN 0 WHEN 'SUBMITTED' THEN 1 WHEN 'SUBMITTED_OPERATOR' THEN 2
    WHEN 'READ' THEN 4 ELSE 3 END;
