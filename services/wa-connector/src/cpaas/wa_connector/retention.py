"""What the WhatsApp connector deletes once no webhook can still come (`retention_days`):
a send and the provider statuses applied to it."""

RETENTION = [
    """
    DELETE FROM webhook_statuses WHERE ctid IN (
        SELECT ctid FROM webhook_statuses WHERE received_at < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)
    """,
    """
    DELETE FROM sends WHERE (message_id, attempt) IN (
        SELECT message_id, attempt FROM sends WHERE created_at < $1 ORDER BY created_at LIMIT $2
        FOR UPDATE SKIP LOCKED)
    """,
]
