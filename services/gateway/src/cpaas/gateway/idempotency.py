"""Idempotency keys: a retried submit with the same `Idempotency-Key` gets the first
answer back and sends nothing.

The key is reserved (with the answer it will get) before the event is published; the
PRIMARY KEY (account, key) makes the first writer win, also across gateway replicas. If
publishing then fails the reservation is released so the client's retry can send.
Reservations from concurrent requests go to PostgreSQL together (one statement per
micro-batch), so the header does not cost one round trip per request under load.
"""

from dataclasses import dataclass

import asyncpg

from cpaas.platform.batching import MicroBatcher


@dataclass(frozen=True)
class Reservation:
    account_id: int
    key: str
    request_hash: bytes
    message_id: str
    response: str


@dataclass(frozen=True)
class Outcome:
    reserved: bool  # True: this request owns the key and must send
    request_hash: bytes | None = None  # of the first request, when not reserved
    response: str | None = None  # the first answer, when not reserved


_RESERVE = """
WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[], $5::text[])
        AS t(account_id, key, request_hash, message_id, response)
)
INSERT INTO idempotency_keys (account_id, key, request_hash, message_id, response)
SELECT account_id, key, request_hash, message_id, response FROM input
ON CONFLICT (account_id, key) DO NOTHING
RETURNING account_id, key
"""


class IdempotencyStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self._batcher: MicroBatcher[Reservation, Outcome] = MicroBatcher(self._reserve_batch)

    async def reserve(self, reservation: Reservation) -> Outcome:
        return await self._batcher.submit(reservation)

    async def _reserve_batch(self, items: list[Reservation]) -> list[Outcome]:
        first: dict[tuple[int, str], Reservation] = {}
        for item in items:  # the same key twice in one batch: the first one owns it
            first.setdefault((item.account_id, item.key), item)
        unique = list(first.values())
        rows = await self.pool.fetch(
            _RESERVE,
            [r.account_id for r in unique],
            [r.key for r in unique],
            [r.request_hash for r in unique],
            [r.message_id for r in unique],
            [r.response for r in unique],
        )
        inserted = {(row["account_id"], row["key"]) for row in rows}
        existing = {}
        conflicts = [k for k in first if k not in inserted]
        if conflicts:
            found = await self.pool.fetch(
                "SELECT account_id, key, request_hash, response FROM idempotency_keys"
                " WHERE (account_id, key) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))",
                [k[0] for k in conflicts],
                [k[1] for k in conflicts],
            )
            existing = {(r["account_id"], r["key"]): r for r in found}
        outcomes = []
        for item in items:
            key = (item.account_id, item.key)
            if key in inserted and first[key] is item:
                outcomes.append(Outcome(True))
            elif key in inserted:  # duplicate within this batch
                owner = first[key]
                outcomes.append(Outcome(False, owner.request_hash, owner.response))
            else:
                row = existing.get(key)
                outcomes.append(Outcome(False, row["request_hash"], row["response"]) if row else Outcome(False))
        return outcomes

    async def release(self, account_id: int, key: str) -> None:
        await self.pool.execute("DELETE FROM idempotency_keys WHERE account_id = $1 AND key = $2", account_id, key)

    async def expire(self, ttl_hours: int) -> int:
        result = await self.pool.execute(
            "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)", ttl_hours
        )
        return int(result.split()[-1])
