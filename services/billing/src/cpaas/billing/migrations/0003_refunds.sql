-- Refunds (issue 20.3): WhatsApp, RCS and voice attempts are charged provisionally when
-- the provider accepts them and refunded when the attempt ends FAILED / UNDELIVERED
-- without a DELIVERED / READ (Meta, Google RBM and voice providers bill only what was
-- delivered / answered). A refund is its own entry, kind REFUND, with the positive
-- amount of the charge it returns; at most one per (message id, attempt), and only of
-- an attempt that has a charge (the refund copies the charge's row).

DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint WHERE conrelid = 'ledger'::regclass AND contype = 'c' LOOP
        EXECUTE format('ALTER TABLE ledger DROP CONSTRAINT %I', c.conname);
    END LOOP;
END;
$$;

ALTER TABLE ledger
    ADD CONSTRAINT ledger_kind CHECK (kind IN ('CHARGE', 'REFUND', 'CREDIT', 'DEBIT')),
    ADD CONSTRAINT ledger_charge CHECK (kind <> 'CHARGE' OR (message_id IS NOT NULL AND attempt IS NOT NULL
                                        AND price_code IS NOT NULL AND units >= 1 AND amount_minor <= 0)),
    ADD CONSTRAINT ledger_refund CHECK (kind <> 'REFUND' OR (message_id IS NOT NULL AND attempt IS NOT NULL
                                        AND price_code IS NOT NULL AND units >= 1 AND amount_minor >= 0)),
    ADD CONSTRAINT ledger_adjustment CHECK (kind IN ('CHARGE', 'REFUND') OR (reason IS NOT NULL AND message_id IS NULL)),
    ADD CONSTRAINT ledger_credit CHECK (kind <> 'CREDIT' OR amount_minor > 0),
    ADD CONSTRAINT ledger_debit CHECK (kind <> 'DEBIT' OR amount_minor < 0);

-- One charge and at most one refund per message attempt: a redelivered status event
-- never charges nor refunds twice.
DROP INDEX ledger_one_charge_per_attempt;
CREATE UNIQUE INDEX ledger_one_entry_per_attempt_kind ON ledger (message_id, attempt, kind)
    WHERE message_id IS NOT NULL;
