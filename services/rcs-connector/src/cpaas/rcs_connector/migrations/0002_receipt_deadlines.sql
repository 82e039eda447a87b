-- Receipt deadlines. An accepted send waits for its DELIVERED (or READ) event until
-- receipt_due_at; past it the connector publishes UNDELIVERED / RECEIPT_EXPIRED once and
-- sets receipt_expired_at. receipt_due_at is NULL when nothing is awaited: not accepted,
-- an event came, or the attempt expired (which takes it out of every later sweep). A
-- DELIVERED event after the expiry is still recorded and published (delivery_events).
ALTER TABLE sends ADD COLUMN receipt_due_at timestamptz;
ALTER TABLE sends ADD COLUMN receipt_expired_at timestamptz;

-- Sends accepted before this migration and never delivered wait 24 hours (the default
-- deadline) from their acceptance.
UPDATE sends s SET receipt_due_at = s.decided_at + interval '24 hours'
WHERE s.status = 'ACCEPTED' AND s.decided_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM delivery_events e WHERE e.provider_message_id = s.provider_message_id);

CREATE INDEX sends_receipt_due ON sends (receipt_due_at) WHERE receipt_due_at IS NOT NULL;
