"""The gateway's SQL: its idempotency keys (schema `gateway`), and the balances it reads
from billing's table for the credit check. (The console's data is read through
cpaas.control_plane.)

Idempotency keys: one key is one message id, and its answer is final only once the
message's event is in Kafka.

A key row (PRIMARY KEY account, key: the first writer wins, across gateway replicas too)
is in one of two states:

- PENDING: a submit owns it until `lease_until` (the database's clock) and is queueing
  the event under the row's `message_id`. A retry within the lease is answered 409
  IDEMPOTENCY_IN_PROGRESS with Retry-After. A retry after the lease (the owner died, or
  its publish failed or timed out, which cuts the lease short) takes the key over and
  publishes under the SAME message id: a publish that did land after its timeout is then
  a second record of one message, which every consumer dedupes by message id. A key is
  never released, so it never gets a second message id.
- COMPLETED: Kafka acknowledged the event; `response` is replayed to every retry. The
  mark is written just after the 202, in the background: should it be lost (the gateway
  died first, or PostgreSQL refused it), the key stays PENDING and a retry after the lease
  republishes the same message id, which is harmless for the same reason.

A different request body under a used key is 409 IDEMPOTENCY_CONFLICT in either state.
Claims, completions and abandons of concurrent requests each go to PostgreSQL as one
statement per micro-batch; a submit waits only for its claim's.

Balances: billing's `billing.balances`, cached for at most `balance_ttl_seconds` and
updated at once by billing's NOTIFY on 'cpaas_billing' ('<account id>:<balance minor>').
Charges are applied when carriers accept messages, so an account can overdraw by what it
submits between its balance reaching zero and the gateway learning it: the messages
already in flight (queued in Kafka or at the carrier) plus at most the NOTIFY latency
(milliseconds) of new submits. README, "Prepaid balance", states the bound.
"""

import logging
import os
import time
from dataclasses import dataclass
from enum import StrEnum

import asyncpg

from cpaas.platform.batching import MicroBatcher

log = logging.getLogger(__name__)
OWNER_TOKEN_BYTES = 16


class ClaimResult(StrEnum):
    OWNED = "OWNED"  # this request publishes, under `message_id`, and answers `response`
    REPLAY = "REPLAY"  # the key is COMPLETED: answer `response`, send nothing
    IN_PROGRESS = "IN_PROGRESS"  # another request owns the key for `retry_after` more seconds
    CONFLICT = "CONFLICT"  # the key was used with a different request


@dataclass(frozen=True)
class Claim:
    account_id: int
    key: str
    request_hash: bytes
    message_id: str  # used if the key is new; a taken-over key keeps its own
    response: str
    owner: bytes  # this attempt's token: only it may cut its lease short

    @staticmethod
    def new_owner() -> bytes:
        return os.urandom(OWNER_TOKEN_BYTES)


@dataclass(frozen=True)
class Outcome:
    result: ClaimResult
    message_id: str | None = None
    response: str | None = None
    retry_after: float = 0.0


_CLAIM = """
WITH input AS (
    SELECT * FROM unnest($1::bigint[], $2::text[], $3::bytea[], $4::text[], $5::text[], $6::bytea[])
        AS t(account_id, key, request_hash, message_id, response, owner)
)
INSERT INTO idempotency_keys AS k (account_id, key, request_hash, message_id, response, state, owner, lease_until)
SELECT account_id, key, request_hash, message_id, response, 'PENDING', owner, now() + make_interval(secs => $7)
FROM input
ON CONFLICT (account_id, key) DO UPDATE SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until
    WHERE k.state = 'PENDING' AND k.lease_until <= now() AND k.request_hash = EXCLUDED.request_hash
RETURNING k.account_id, k.key, k.message_id, k.response
"""
_EXISTING = """
SELECT account_id, key, state, request_hash, response,
       greatest(0, extract(epoch FROM lease_until - now()))::float8 AS lease_left
FROM idempotency_keys
WHERE (account_id, key) IN (SELECT * FROM unnest($1::bigint[], $2::text[]))
"""
_COMPLETE = """
UPDATE idempotency_keys AS k SET state = 'COMPLETED', lease_until = NULL
FROM unnest($1::bigint[], $2::text[], $3::text[]) AS t(account_id, key, message_id)
WHERE k.account_id = t.account_id AND k.key = t.key AND k.message_id = t.message_id
"""
_ABANDON = """
UPDATE idempotency_keys AS k SET lease_until = now()
FROM unnest($1::bigint[], $2::text[], $3::bytea[]) AS t(account_id, key, owner)
WHERE k.account_id = t.account_id AND k.key = t.key AND k.owner = t.owner AND k.state = 'PENDING'
"""


class IdempotencyStore:
    def __init__(self, pool: asyncpg.Pool, *, lease_seconds: float) -> None:
        self.pool = pool
        self.lease_seconds = lease_seconds
        self._claims: MicroBatcher[Claim, Outcome] = MicroBatcher(self._claim_batch)
        # (account, key, message id) and (account, key, owner): one UPDATE per micro-batch each
        self._completions: MicroBatcher[tuple[int, str, str], None] = MicroBatcher(self._complete_batch)
        self._abandons: MicroBatcher[tuple[int, str, bytes], None] = MicroBatcher(self._abandon_batch)

    async def claim(self, claim: Claim) -> Outcome:
        """Own the key (new, or PENDING past its lease), or learn what it holds."""
        return await self._claims.submit(claim)

    def complete(self, claim: Claim, message_id: str) -> None:
        """The event of `message_id` is in Kafka: mark the key COMPLETED, in the background
        (written with the next micro-batch; a failed write is logged and leaves it PENDING)."""
        self._completions.enqueue((claim.account_id, claim.key, message_id))

    async def flush(self) -> None:
        """Write the completions still queued (at shutdown)."""
        await self._completions.flush()

    async def abandon(self, claim: Claim) -> None:
        """Publishing failed: end this owner's lease now, so the next retry publishes."""
        await self._abandons.submit((claim.account_id, claim.key, claim.owner))

    async def _claim_batch(self, items: list[Claim]) -> list[Outcome]:
        first: dict[tuple[int, str], Claim] = {}
        for item in items:  # the same key twice in one batch: the first one claims it
            first.setdefault((item.account_id, item.key), item)
        unique = list(first.values())
        rows = await self.pool.fetch(
            _CLAIM,
            [c.account_id for c in unique],
            [c.key for c in unique],
            [c.request_hash for c in unique],
            [c.message_id for c in unique],
            [c.response for c in unique],
            [c.owner for c in unique],
            self.lease_seconds,
        )
        owned = {(r["account_id"], r["key"]): r for r in rows}
        others = [k for k in first if k not in owned]
        existing = {}
        if others:
            found = await self.pool.fetch(_EXISTING, [k[0] for k in others], [k[1] for k in others])
            existing = {(r["account_id"], r["key"]): r for r in found}
        return [self._outcome(item, first, owned, existing) for item in items]

    def _outcome(self, item: Claim, first: dict, owned: dict, existing: dict) -> Outcome:
        key = (item.account_id, item.key)
        if key in owned:
            if first[key] is item:
                row = owned[key]
                return Outcome(ClaimResult.OWNED, row["message_id"], row["response"])
            same = first[key].request_hash == item.request_hash
            return (
                Outcome(ClaimResult.IN_PROGRESS, retry_after=self.lease_seconds)
                if same
                else Outcome(ClaimResult.CONFLICT)
            )
        row = existing.get(key)
        if row is None:  # swept between the two statements: busy for a moment, retry
            return Outcome(ClaimResult.IN_PROGRESS, retry_after=1.0)
        if row["request_hash"] != item.request_hash:
            return Outcome(ClaimResult.CONFLICT)
        if row["state"] == "COMPLETED":
            return Outcome(ClaimResult.REPLAY, response=row["response"])
        return Outcome(ClaimResult.IN_PROGRESS, retry_after=row["lease_left"])

    async def _complete_batch(self, items: list[tuple[int, str, str]]) -> list[None]:
        try:
            return await self._update(_COMPLETE, items)
        except Exception:  # nobody waits for these: the keys stay PENDING, a retry after the lease resends
            log.exception("could not mark Idempotency-Keys completed", extra={"keys": len(items)})
            return [None] * len(items)

    async def _abandon_batch(self, items: list[tuple[int, str, bytes]]) -> list[None]:
        return await self._update(_ABANDON, items)

    async def _update(self, sql: str, items: list[tuple]) -> list[None]:
        await self.pool.execute(sql, *(list(column) for column in zip(*items, strict=True)))
        return [None] * len(items)

    async def expire(self, ttl_hours: int) -> int:
        result = await self.pool.execute(
            "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)", ttl_hours
        )
        return int(result.split()[-1])


class Balances:
    """Each account's prepaid balance in minor units (0 for an account billing does not know)."""

    def __init__(self, pool: asyncpg.Pool, ttl: float) -> None:
        self.pool, self.ttl = pool, ttl
        self._cache: dict[int, tuple[int, float]] = {}

    def on_notify(self, payload: str) -> None:
        account, _, balance = payload.partition(":")
        if account.isdigit() and balance.lstrip("-").isdigit():
            self._cache[int(account)] = (int(balance), time.monotonic() + self.ttl)

    def clear(self) -> None:
        self._cache.clear()

    async def balance(self, account_id: int) -> int:
        cached = self._cache.get(account_id)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        value = (
            await self.pool.fetchval("SELECT balance_minor FROM billing.balances WHERE account_id = $1", account_id)
            or 0
        )
        self._cache[account_id] = (value, time.monotonic() + self.ttl)
        return value


# The account's shared bucket refilled to the statement's time (PostgreSQL's clock, so
# replicas agree; never backwards, as a statement that waited for the row lock may carry
# an earlier time than the one before it), then up to $2 whole tokens taken from it. A new
# bucket starts full.
_AVAILABLE = (
    "least($3::float8, b.tokens + $3::float8"
    " * greatest(0, extract(epoch FROM statement_timestamp() - b.refilled_at))::float8)"
)
_LEASE = f"""
INSERT INTO submit_budgets AS b (account_id, tokens, refilled_at, last_grant)
VALUES ($1, $3::float8 - least($2, $3), statement_timestamp(), least($2, $3))
ON CONFLICT (account_id) DO UPDATE SET
    last_grant = least($2::float8, floor({_AVAILABLE}))::int,
    tokens = {_AVAILABLE} - least($2::float8, floor({_AVAILABLE})),
    refilled_at = greatest(b.refilled_at, statement_timestamp())
RETURNING last_grant, tokens
"""


class SubmitBudgets:
    """Each account's submit-rate bucket, shared by the gateway replicas (domain/limits.py
    leases slices of it). One row per account; a lease is one statement."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def lease(self, account_id: int, want: int, rate: int) -> tuple[int, float]:
        """Up to `want` tokens of the bucket of `rate` a second: (granted, tokens left)."""
        row = await self.pool.fetchrow(_LEASE, account_id, want, rate)
        return row["last_grant"], row["tokens"]
