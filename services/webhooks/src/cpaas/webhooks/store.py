"""The webhooks schema's SQL: queue receipts, claim due ones, record attempts, read the log.

Every write is set-based (one statement per batch, arrays through unnest) so that the
consumer and the dispatcher pay one round trip per batch, not per receipt.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import asyncpg


class NewDelivery(NamedTuple):
    event_id: str
    account_id: int
    message_id: str
    message_attempt: int
    message_status: str
    url: str
    payload: str  # JSON text


@dataclass(frozen=True, slots=True)
class ClaimedDelivery:
    id: int
    account_id: int
    message_id: str
    url: str
    body: bytes
    attempt: int  # this attempt's number, counted at claim
    created_at: datetime


class AttemptResult(NamedTuple):
    """One attempt's result and what it does to its delivery."""

    delivery_id: int
    attempt: int
    started_at: datetime
    duration_ms: int
    status_code: int | None
    error: str | None
    status: str  # the delivery's status after it: PENDING (retry), DELIVERED or FAILED
    next_attempt_at: datetime | None  # PENDING only
    finished_at: datetime


INSERT_DELIVERIES = """
INSERT INTO deliveries (event_id, account_id, message_id, message_attempt, message_status, url, payload)
SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::text[], $6::text[], $7::jsonb[])
ON CONFLICT DO NOTHING
RETURNING id
"""

# The due rows, oldest first, at most `$2 - in flight` per account: a scan of the
# oldest $3 due rows of accounts not already full (a slow receiver fills its share and
# then no longer stands in front of anyone), numbered per account, then locked by id
# with SKIP LOCKED so replicas never claim the same row. Claiming counts the attempt,
# records the claiming dispatcher ($8) and leases the row: if no result is written, it
# falls due again once that dispatcher's heartbeat stops (RESCUE_DEAD_CLAIMS), or after $4 s
# at the latest.
# The picked rows are locked and updated by primary key only: every plan of this
# prepared statement, generic ones and ones made from stale statistics included, must
# fetch them by id rather than walk the whole due queue against them (which took seconds
# per claim after a burst). So the re-check that a row is still PENDING and due (another
# replica may have claimed it since the scan; PostgreSQL re-evaluates it on the newest
# version of a row it locks) is written as a CASE, which the planner cannot match to the
# partial index of due rows.
CLAIM_DUE = """
WITH in_flight AS (
    SELECT * FROM unnest($5::bigint[], $6::int[]) AS f (account_id, used)
), scanned AS (
    SELECT id, account_id, next_attempt_at,
           row_number() OVER (PARTITION BY account_id ORDER BY next_attempt_at, id) AS nth
    FROM (
        SELECT id, account_id, next_attempt_at FROM deliveries
        WHERE status = 'PENDING' AND next_attempt_at <= now() AND account_id <> ALL($7::bigint[])
        ORDER BY next_attempt_at
        LIMIT $3
    ) oldest
), picked AS (
    SELECT s.id FROM scanned s LEFT JOIN in_flight f USING (account_id)
    WHERE s.nth <= $2 - COALESCE(f.used, 0)
    ORDER BY s.next_attempt_at
    LIMIT $1
), locked AS (
    SELECT id FROM deliveries WHERE id = ANY (ARRAY(SELECT id FROM picked)) FOR UPDATE SKIP LOCKED
)
UPDATE deliveries d
SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => $4), claimed_by = $8
FROM locked
WHERE d.id = locked.id AND CASE WHEN d.status = 'PENDING' THEN d.next_attempt_at <= now() ELSE false END
RETURNING d.id, d.account_id, d.message_id, d.url, d.payload::text AS body, d.attempts, d.created_at
"""

# A result applies only to the claim it belongs to (attempts still equal to its number,
# still PENDING); a replica that lost its lease records its attempt but changes nothing.
# The PENDING check is a CASE for the reason given above CLAIM_DUE: rows by id only.
RECORD_RESULTS = """
WITH results AS (
    SELECT * FROM unnest($1::bigint[], $2::int[], $3::timestamptz[], $4::int[], $5::int[], $6::text[],
                         $7::text[], $8::timestamptz[], $9::timestamptz[])
        AS r (delivery_id, attempt, started_at, duration_ms, status_code, error, status, next_attempt_at,
              finished_at)
), logged AS (
    INSERT INTO attempts (delivery_id, attempt, started_at, status_code, error, duration_ms)
    SELECT delivery_id, attempt, started_at, status_code, error, duration_ms FROM results
    ON CONFLICT DO NOTHING
)
UPDATE deliveries d SET
    status = r.status,
    next_attempt_at = COALESCE(r.next_attempt_at, d.next_attempt_at),
    last_status_code = r.status_code,
    last_error = r.error,
    claimed_by = NULL,
    delivered_at = CASE WHEN r.status = 'DELIVERED' THEN r.finished_at ELSE d.delivered_at END
FROM results r
WHERE d.id = r.delivery_id AND CASE WHEN d.status = 'PENDING' THEN d.attempts = r.attempt ELSE false END
"""

# The dispatchers whose heartbeat stopped (SKIP LOCKED: one rescuer per dead instance),
# their claimed PENDING rows made due at once (the attempt stays counted: its POST may
# have been sent), and the instances forgotten.
RESCUE_DEAD_CLAIMS = """
WITH dead AS (
    SELECT instance_id FROM dispatchers WHERE heartbeat_at < now() - make_interval(secs => $1)
    FOR UPDATE SKIP LOCKED
), rescued AS (
    UPDATE deliveries SET next_attempt_at = now(), claimed_by = NULL
    WHERE claimed_by IN (SELECT instance_id FROM dead) AND status = 'PENDING'
    RETURNING 1
), forgotten AS (
    DELETE FROM dispatchers WHERE instance_id IN (SELECT instance_id FROM dead)
)
SELECT count(*) FROM rescued
"""

DELIVERY_COLUMNS = (
    "id, event_id, account_id, message_id, url, payload::text AS payload, status, attempts, next_attempt_at,"
    " last_status_code, last_error, created_at, delivered_at"
)


def _columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Row tuples to one list per column, for unnest($1::type[], ...)."""
    return [list(column) for column in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]


class DeliveryStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def fallback_levels(self, message_ids: Sequence[str]) -> dict[str, int]:
        """How many channel levels each message's fallback chain has (the router's table;
        a message without fallback has no chain). {} when the router is not deployed."""
        if not message_ids:
            return {}
        try:
            rows = await self.pool.fetch(
                "SELECT message_id, jsonb_array_length(levels) AS levels FROM router.chains"
                " WHERE message_id = ANY($1::text[])",
                list(message_ids),
            )
        except (asyncpg.UndefinedTableError, asyncpg.InvalidSchemaNameError):
            return {}
        return {r["message_id"]: r["levels"] for r in rows}

    async def insert(self, deliveries: Sequence[NewDelivery]) -> int:
        """Queue receipts; one already queued (same event, or same message attempt and status)
        is skipped. Returns how many were new."""
        if not deliveries:
            return 0
        rows = await self.pool.fetch(INSERT_DELIVERIES, *_columns(deliveries, 7))
        return len(rows)

    async def claim_due(
        self,
        limit: int,
        *,
        per_account: int,
        in_flight: dict[int, int],
        scan: int,
        lease_seconds: float,
        instance_id: uuid.UUID,
    ) -> list[ClaimedDelivery]:
        """Claim up to `limit` due receipts, at most `per_account` in flight per account."""
        full = [account for account, used in in_flight.items() if used >= per_account]
        busy = [(account, used) for account, used in in_flight.items() if 0 < used < per_account]
        rows = await self.pool.fetch(
            CLAIM_DUE, limit, per_account, scan, lease_seconds, *_columns(busy, 2), full, instance_id
        )
        return [
            ClaimedDelivery(
                r["id"], r["account_id"], r["message_id"], r["url"], r["body"].encode(), r["attempts"], r["created_at"]
            )
            for r in rows
        ]

    async def record(self, results: Sequence[AttemptResult]) -> list[None]:
        """Write attempts and their deliveries' new state in one statement (one transaction)."""
        if results:
            await self.pool.execute(RECORD_RESULTS, *_columns(results, 9))
        return [None] * len(results)

    async def unclaim(self, deliveries: Sequence[ClaimedDelivery]) -> None:
        """Hand back claimed receipts that were never attempted: due at once, attempt uncounted."""
        await self.pool.execute(
            "UPDATE deliveries d SET attempts = d.attempts - 1, next_attempt_at = now(), claimed_by = NULL"
            " FROM unnest($1::bigint[], $2::int[]) AS u (id, attempt)"
            " WHERE d.id = u.id AND CASE WHEN d.status = 'PENDING' THEN d.attempts = u.attempt ELSE false END",
            [d.id for d in deliveries],
            [d.attempt for d in deliveries],
        )

    async def heartbeat(self, instance_id: uuid.UUID) -> None:
        """Register or renew a dispatcher instance (a row forgotten while it stalled comes back)."""
        await self.pool.execute(
            "INSERT INTO dispatchers (instance_id) VALUES ($1)"
            " ON CONFLICT (instance_id) DO UPDATE SET heartbeat_at = now()",
            instance_id,
        )

    async def retire(self, instance_id: uuid.UUID) -> None:
        """A dispatcher shutting down: its claims, if any are left, are rescued at once."""
        await self.pool.execute("UPDATE dispatchers SET heartbeat_at = '-infinity' WHERE instance_id = $1", instance_id)

    async def rescue_dead_claims(self, timeout_seconds: float) -> int:
        """Make due at once the receipts claimed by dispatchers silent for `timeout_seconds`."""
        return await self.pool.fetchval(RESCUE_DEAD_CLAIMS, timeout_seconds)

    async def page(
        self, account_id: int, *, message_id: str | None, status: str | None, page: int, page_size: int
    ) -> tuple[list[asyncpg.Record], int]:
        """One page of an account's deliveries, newest first, and how many match in all."""
        where, args = ["account_id = $1"], [account_id]
        if message_id:
            args.append(message_id)
            where.append(f"message_id = ${len(args)}")
        if status:
            args.append(status)
            where.append(f"status = ${len(args)}")
        condition = " AND ".join(where)
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM deliveries WHERE {condition}", *args)
            rows = await conn.fetch(
                f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE {condition}"
                f" ORDER BY id DESC LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}",
                *args,
            )
        return list(rows), total

    async def delivery(self, delivery_id: int) -> asyncpg.Record | None:
        return await self.pool.fetchrow(f"SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1", delivery_id)

    async def attempts(self, delivery_id: int) -> list[asyncpg.Record]:
        return list(
            await self.pool.fetch(
                "SELECT attempt, started_at, status_code, error, duration_ms FROM attempts"
                " WHERE delivery_id = $1 ORDER BY attempt",
                delivery_id,
            )
        )
