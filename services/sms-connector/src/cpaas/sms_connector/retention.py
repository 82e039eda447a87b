"""What the SMS connector deletes once no receipt can still come (`retention_days`):
a send and its segments (an SMSC keeps an undelivered receipt for the message's
validity period, at most days)."""

RETENTION = [
    """
    WITH doomed AS (
        SELECT message_id, attempt FROM sends WHERE created_at < $1
        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ), segments_gone AS (
        DELETE FROM segments s USING doomed d WHERE s.message_id = d.message_id AND s.attempt = d.attempt
    )
    DELETE FROM sends m USING doomed d WHERE m.message_id = d.message_id AND m.attempt = d.attempt
    """,
]
