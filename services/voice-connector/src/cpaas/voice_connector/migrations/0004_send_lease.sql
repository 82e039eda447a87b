-- A SENDING attempt is leased to the process sending it (cpaas.connector_kit.sends): two
-- replicas that both get its batch during a rebalance do not both send it.
ALTER TABLE sends ADD COLUMN claimed_by bytea, ADD COLUMN lease_until timestamptz;
