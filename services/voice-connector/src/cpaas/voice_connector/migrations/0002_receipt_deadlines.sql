-- Receipt deadlines. A created call waits for its final status (completed, busy,
-- no-answer, failed, canceled) until receipt_due_at; past it the connector asks the
-- provider for the call (GET Calls/{CallSid}) and publishes what it says, or, when the
-- call is still not over or unknown, UNDELIVERED / RECEIPT_EXPIRED once, and sets
-- receipt_expired_at. receipt_due_at is NULL when nothing is awaited: not created, a
-- final status is published, or the attempt expired (which takes it out of every later
-- sweep). published_status stays SUBMITTED_OPERATOR on expiry, so a final callback that
-- comes later is still published.
ALTER TABLE calls ADD COLUMN receipt_due_at timestamptz;
ALTER TABLE calls ADD COLUMN receipt_expired_at timestamptz;

-- Calls created before this migration and not over wait the default deadline (4 h 15 min)
-- from their creation.
UPDATE calls SET receipt_due_at = accepted_at + interval '15300 seconds'
WHERE status = 'ACCEPTED' AND published_status = 'SUBMITTED_OPERATOR' AND accepted_at IS NOT NULL;

CREATE INDEX calls_receipt_due ON calls (receipt_due_at) WHERE receipt_due_at IS NOT NULL;
