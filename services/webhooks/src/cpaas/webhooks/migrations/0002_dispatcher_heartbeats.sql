-- Claims tied to a live dispatcher process, so that a crash leaves its receipts due again
-- within seconds rather than after the claim lease.
--
-- Each dispatcher process registers an instance id and renews heartbeat_at every second;
-- a claim records the claimer in deliveries.claimed_by (a result or an unclaim clears it).
-- Any dispatcher finds the instances whose heartbeat is older than the timeout (a kill -9,
-- a lost host, or a clean shutdown, which sets its heartbeat to -infinity), makes the
-- PENDING rows they claimed due at once and forgets the instance, in one transaction.
CREATE TABLE dispatchers (
    instance_id  uuid PRIMARY KEY,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

ALTER TABLE deliveries ADD COLUMN claimed_by uuid;  -- the dispatcher holding the row's lease, if any
CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
