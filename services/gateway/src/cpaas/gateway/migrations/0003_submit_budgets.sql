-- The per-account submit rate shared by every gateway replica (store.SubmitBudgets): one
-- token bucket per account on PostgreSQL's clock, from which each replica leases slices
-- and serves submits in memory (domain/limits.py).
CREATE TABLE submit_budgets (
    account_id  bigint PRIMARY KEY,
    tokens      double precision NOT NULL,  -- left at refilled_at (refilled at the account's rate a second)
    refilled_at timestamptz NOT NULL,
    last_grant  integer NOT NULL            -- tokens the last lease took (what it returns)
);
