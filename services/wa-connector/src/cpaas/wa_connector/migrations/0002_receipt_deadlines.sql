-- Receipt deadlines. An accepted send waits for its receipt (delivered, read or failed)
-- until receipt_due_at; past it the connector publishes UNDELIVERED / RECEIPT_EXPIRED
-- once and sets receipt_expired_at. receipt_due_at is NULL when nothing is awaited: not
-- sent, a receipt came, or the attempt expired (which takes it out of every later sweep).
-- `status` keeps the provider's view, so a receipt after the expiry still moves it on.
ALTER TABLE sends ADD COLUMN receipt_due_at timestamptz;
ALTER TABLE sends ADD COLUMN receipt_expired_at timestamptz;

-- Sends accepted before this migration wait 24 hours (the default deadline) from their acceptance.
UPDATE sends SET receipt_due_at = sent_at + interval '24 hours'
WHERE state = 'ACCEPTED' AND status = 'SUBMITTED_OPERATOR' AND sent_at IS NOT NULL;

CREATE INDEX sends_receipt_due ON sends (receipt_due_at) WHERE receipt_due_at IS NOT NULL;
