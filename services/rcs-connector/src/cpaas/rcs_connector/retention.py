"""What the RCS connector deletes once no RBM event can still come (`retention_days`): a
send and the delivery events applied to it, and old template review events."""

RETENTION = [
    """
    WITH doomed AS (
        SELECT message_id, attempt, provider_message_id FROM sends WHERE created_at < $1
        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED
    ), events_gone AS (
        DELETE FROM delivery_events e USING doomed d WHERE e.provider_message_id = d.provider_message_id
    )
    DELETE FROM sends s USING doomed d WHERE s.message_id = d.message_id AND s.attempt = d.attempt
    """,
    """
    DELETE FROM template_events WHERE ctid IN (
        SELECT ctid FROM template_events WHERE received_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
    """,
]
