-- The send state in the connector kit's layout (cpaas.connector_kit.sends), the same
-- `sends` in every connector's schema: the send's state and the time it was decided under
-- the kit's names, and the column the kit writes that RCS does not use (segments).
ALTER TABLE sends RENAME COLUMN status TO state;
ALTER TABLE sends RENAME CONSTRAINT sends_status_check TO sends_state_check;
ALTER TABLE sends RENAME COLUMN decided_at TO sent_at;
ALTER TABLE sends ADD COLUMN segments smallint;
