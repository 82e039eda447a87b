-- Media uploaded for templates (WhatsApp media headers, RCS card images and videos).
-- Providers fetch it by URL (GET /media/{id}), so the id is a random 128-bit token: the
-- URL is the capability, as with a provider's own media links. The bytes live here so a
-- self-hosted install needs no object store; the type is checked from the bytes on upload.
CREATE TABLE media (
    id              text PRIMARY KEY,
    account_id      bigint NOT NULL REFERENCES accounts (id),
    filename        text NOT NULL,
    content_type    text NOT NULL,
    size_bytes      integer NOT NULL,
    sha256          bytea NOT NULL,
    data            bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX media_account ON media (account_id, created_at);
