-- The provider's verdict on a WhatsApp/RCS template registration, kept apart from the
-- admin's approval (templates.status): a template is sendable once the admin approved it;
-- a provider refusal makes it FAILED with the provider's reason.
ALTER TABLE templates
    ADD COLUMN provider_status text CHECK (provider_status IN ('PENDING', 'APPROVED', 'FAILED')),
    ADD COLUMN provider_reason text,
    ADD COLUMN provider_updated_at timestamptz;
