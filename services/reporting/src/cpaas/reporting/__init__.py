"""The reporting service: the message log (messages, attempts, status history), partitioned by day."""
