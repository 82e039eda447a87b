-- Receipt deadlines. An accepted message (SUBMITTED) waits for the receipts of all its
-- segments until receipt_due_at (submit_sm_resp + validity period + grace); past it the
-- connector asks the SMSC with query_sm and otherwise publishes UNDELIVERED /
-- RECEIPT_EXPIRED once, setting receipt_expired_at and clearing receipt_due_at (which
-- takes it out of every later sweep). `status` stays SUBMITTED, so a receipt that comes
-- after the expiry still finishes the message and publishes its real final status.
ALTER TABLE submissions ADD COLUMN receipt_due_at timestamptz;
ALTER TABLE submissions ADD COLUMN receipt_expired_at timestamptz;

-- Messages accepted before this migration wait the default 48 h validity and 1 h grace.
UPDATE submissions SET receipt_due_at = submitted_at + interval '49 hours'
WHERE status = 'SUBMITTED' AND submitted_at IS NOT NULL;

CREATE INDEX submissions_receipt_due ON submissions (receipt_due_at) WHERE receipt_due_at IS NOT NULL;

-- Final receipts whose carrier id was not known (its submission not written or not yet
-- announced) when they came: kept here, so that their deliver_sm can be acknowledged,
-- and applied once the submission is known; dropped after receipt_park_seconds.
CREATE TABLE parked_receipts (
    carrier_message_id  text PRIMARY KEY,
    stat                text NOT NULL,
    error               text,
    done_at             timestamptz,
    received_at         timestamptz NOT NULL,
    parked_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX parked_receipts_age ON parked_receipts (parked_at);
