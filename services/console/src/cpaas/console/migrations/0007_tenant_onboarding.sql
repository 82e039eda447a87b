-- Every account a first-class tenant (issue 19): its own webhook signing secret, rotatable
-- with a grace period, and channels registered with their providers.
--
-- webhook_secret (and the previous one) are sealed with the console's SecretBox
-- ('enc:v1:...', the key shared with the webhooks service, which signs with them); a value
-- written before sealing is sealed at the console's next start.
ALTER TABLE accounts
    ADD COLUMN webhook_secret_previous text,              -- the secret a rotation replaced
    ADD COLUMN webhook_secret_previous_until timestamptz, -- receipts are signed by it too until then
    ADD COLUMN webhook_secret_rotated_at timestamptz;

-- When the provider last confirmed the number's registration (Meta's POST /{id}/register).
ALTER TABLE waba_numbers
    ADD COLUMN registered_at timestamptz;

-- The RBM platform's word on a bot: its agent's verification state and when it was launched
-- (the admin's activation is the launch).
ALTER TABLE rcs_bots
    ADD COLUMN launched_at timestamptz;
