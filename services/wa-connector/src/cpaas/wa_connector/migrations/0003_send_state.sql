-- The send state in the connector kit's layout (cpaas.connector_kit.sends), the same
-- `sends` in every connector's schema: the provider's message id under one name, and the
-- columns the kit writes (segments: NULL for WhatsApp; tries: transient failures so far).
ALTER TABLE sends RENAME COLUMN wamid TO provider_message_id;
ALTER TABLE sends ADD COLUMN segments smallint;
ALTER TABLE sends ADD COLUMN tries smallint NOT NULL DEFAULT 0;
