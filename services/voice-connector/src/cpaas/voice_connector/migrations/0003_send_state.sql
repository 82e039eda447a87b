-- The send state in the connector kit's layout (cpaas.connector_kit.sends), the same
-- `sends` in every connector's schema: a call attempt is a send; the call SID is its
-- provider message id, the caller ID its sender ID, its creation time its sent_at, and
-- CREATING is SENDING. `announced` is true once the attempt's first status is in Kafka
-- (until now: published_status set); published_status keeps the last status published.
ALTER TABLE calls RENAME TO sends;
ALTER TABLE sends RENAME COLUMN status TO state;
ALTER TABLE sends DROP CONSTRAINT calls_status_check;
UPDATE sends SET state = 'SENDING' WHERE state = 'CREATING';
ALTER TABLE sends ALTER COLUMN state SET DEFAULT 'SENDING';
ALTER TABLE sends ADD CONSTRAINT sends_state_check CHECK (state IN ('SENDING', 'ACCEPTED', 'REFUSED'));
ALTER TABLE sends RENAME COLUMN call_sid TO provider_message_id;
ALTER TABLE sends RENAME COLUMN accepted_at TO sent_at;
ALTER TABLE sends RENAME COLUMN caller_id TO sender_id;
ALTER TABLE sends ADD COLUMN segments smallint;
ALTER TABLE sends ADD COLUMN tries smallint NOT NULL DEFAULT 0;
ALTER TABLE sends ADD COLUMN announced boolean NOT NULL DEFAULT false;
UPDATE sends SET announced = true WHERE published_status IS NOT NULL;
ALTER INDEX calls_pkey RENAME TO sends_pkey;
ALTER INDEX calls_call_sid_key RENAME TO sends_provider_message_id_key;
ALTER INDEX calls_receipt_due RENAME TO sends_receipt_due;
