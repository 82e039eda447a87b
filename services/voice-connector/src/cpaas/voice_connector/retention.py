"""What the voice connector deletes once no call status can still come (`retention_days`):
a call (its row of `sends`) and its status callbacks."""

RETENTION = [
    """
    WITH doomed AS (
        SELECT message_id, attempt FROM sends WHERE created_at < $1
        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ), events_gone AS (
        DELETE FROM call_events e USING doomed d WHERE e.message_id = d.message_id AND e.attempt = d.attempt
    )
    DELETE FROM sends s USING doomed d WHERE s.message_id = d.message_id AND s.attempt = d.attempt
    """,
]
