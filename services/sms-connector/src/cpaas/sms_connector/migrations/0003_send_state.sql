-- The send state in the connector kit's layout (cpaas.connector_kit.sends), the same
-- `sends` in every connector's schema: a submission is a send; SUBMITTING is SENDING,
-- SUBMITTED is ACCEPTED (FINAL, all its segments' final receipts applied, stays the
-- SMS connector's own later state); the first segment's carrier id is the provider
-- message id, the submit_sm_resp time its sent_at. The provider message id is not made
-- UNIQUE: an SMSC may reuse its ids, and receipts find their segment by its own id
-- (`segments`). `channel` was always 'SMS' and is read by nothing.
ALTER TABLE submissions RENAME TO sends;
ALTER TABLE sends DROP CONSTRAINT submissions_status_check;
ALTER TABLE sends RENAME COLUMN status TO state;
UPDATE sends SET state = 'SENDING' WHERE state = 'SUBMITTING';
UPDATE sends SET state = 'ACCEPTED' WHERE state = 'SUBMITTED';
ALTER TABLE sends ALTER COLUMN state SET DEFAULT 'SENDING';
ALTER TABLE sends ADD CONSTRAINT sends_state_check CHECK (state IN ('SENDING', 'ACCEPTED', 'REFUSED', 'FINAL'));
ALTER TABLE sends RENAME COLUMN carrier_message_id TO provider_message_id;
ALTER TABLE sends RENAME COLUMN submitted_at TO sent_at;
ALTER TABLE sends DROP COLUMN channel;
ALTER TABLE sends ADD COLUMN tries smallint NOT NULL DEFAULT 0;
ALTER INDEX submissions_pkey RENAME TO sends_pkey;
ALTER INDEX submissions_receipt_due RENAME TO sends_receipt_due;
