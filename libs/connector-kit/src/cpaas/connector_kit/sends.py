"""The send state of a connector: one row per message attempt in its schema's `sends`.

Every connector's schema has the same `sends` table (its migrations create it; a
connector adds columns of its own after these):

    message_id, attempt        the key (PRIMARY KEY)
    account_id, recipient, template_id, sender_id, campaign_id   from the submit event
    state                      SENDING | ACCEPTED | REFUSED (a connector may add later states)
    provider_message_id        the provider's id of the send (UNIQUE)
    sent_at                    when the provider accepted it, or when it was refused
    segments                   parts it went out as (SMS), else NULL
    error_code, error_detail, carrier_error_code   why it was refused
    tries                      transient failures so far
    announced                  its SUBMITTED_OPERATOR / FAILED event is in Kafka
    receipt_due_at             until when a receipt is awaited (NULL: none is)
    receipt_expired_at         when it ended UNDELIVERED / RECEIPT_EXPIRED
    created_at
    claimed_by, lease_until    the process sending a SENDING row, and until when (PostgreSQL's
                               clock) no other process may send it

Guarantees (the statements below keep them; every one takes a whole batch):
- `claim` writes a SENDING row before the provider is called, and only once per attempt:
  a row ACCEPTED or REFUSED is never sent again. The row is leased to this process (its
  `owner` token) for `lease_seconds`; a row still SENDING is sent again by the process
  that holds it (a transient failure), or by another once the lease ran out (its sender
  died between the send and the write of the result). So two replicas that both get a
  batch while its partition moves between them (a rebalance: one added, one gone) do
  not both send it: the second leaves the attempt for the batch's next delivery, by when
  the first has written its result;
- `record` changes only rows still SENDING, so a result is written once;
- `announce` marks rows announced in the transaction that publishes their events: the
  mark commits only once the events are in Kafka, and an announced row is never
  announced again.
"""

import os
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

import asyncpg

from cpaas.contracts import Channel, MessageSubmittedV1

Key = tuple[str, int]  # (message id, attempt)
# Longest a claimed attempt is this process's alone: past the longest a batch takes from its
# claim to the write of its results (sends bounded by their timeouts, a rate, a window);
# after a crash, the attempts it was sending are sent again this much later.
SEND_LEASE_SECONDS = 60.0
OWNER_TOKEN_BYTES = 16
SENDING, ACCEPTED, REFUSED = "SENDING", "ACCEPTED", "REFUSED"

SEND_COLUMNS = (
    "message_id, attempt, account_id, recipient, template_id, sender_id, campaign_id, state, provider_message_id,"
    " sent_at, segments, error_code, error_detail, carrier_error_code, tries, announced"
)


def key_of(event: MessageSubmittedV1) -> Key:
    return (event.message_id, event.attempt)


def key_arrays(keys: Sequence[Key]) -> tuple[list[str], list[int]]:
    """The two arrays a statement unnests into (message_id, attempt)."""
    return [k[0] for k in keys], [k[1] for k in keys]


@dataclass(frozen=True)
class Send:
    """A message attempt as its row has it."""

    message_id: str
    attempt: int
    account_id: int
    recipient: str
    template_id: int
    sender_id: str | None
    campaign_id: int | None
    state: str
    provider_message_id: str | None
    sent_at: datetime | None
    segments: int | None
    error_code: str | None
    error_detail: str | None
    carrier_error_code: str | None
    tries: int
    announced: bool

    @property
    def key(self) -> Key:
        return (self.message_id, self.attempt)


@dataclass(frozen=True)
class OverdueSend(Send):
    """An accepted attempt past its receipt deadline; `deadline_seconds` is the one it had."""

    deadline_seconds: float


@dataclass(frozen=True)
class SendResult:
    """What became of a send: ACCEPTED by the provider, or REFUSED (why in error_*).
    A connector that writes more per result subclasses it (and `SendStore.record_more`)."""

    message_id: str
    attempt: int
    state: str
    sent_at: datetime
    provider_message_id: str | None = None
    segments: int | None = None
    error_code: str | None = None
    error_detail: str | None = None
    carrier_error_code: str | None = None

    @property
    def key(self) -> Key:
        return (self.message_id, self.attempt)


# One statement, one round trip: a new attempt is leased to $9 for $10 seconds; a SENDING
# one is taken over when it is $9's own already, or nobody's (rows of before the lease), or
# its lease ran out. Returned: the rows so leased (RETURNING: their new version) and the
# attempts' decided rows (not SENDING), read in the statement's snapshot. A row SENDING
# under another process's lease is in neither: the caller leaves it to that process. A row
# decided by another process after the snapshot is in neither too (its upsert waited for
# that process and then found it decided): left for the batch's next delivery, as if busy.
_CLAIM = """
WITH leased AS (
    INSERT INTO sends AS s (message_id, attempt, account_id, recipient, template_id, sender_id, campaign_id,
                            provider_message_id, claimed_by, lease_until)
    SELECT *, $9::bytea, now() + make_interval(secs => $10)
    FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[], $7::bigint[],
                $8::text[])
    ON CONFLICT (message_id, attempt) DO UPDATE SET claimed_by = EXCLUDED.claimed_by, lease_until = EXCLUDED.lease_until
    WHERE s.state = 'SENDING' AND (s.claimed_by IS NULL OR s.claimed_by = EXCLUDED.claimed_by OR s.lease_until < now())
    RETURNING {columns}
)
SELECT {columns} FROM leased
UNION ALL
SELECT {columns} FROM sends
JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt) USING (message_id, attempt)
WHERE state <> 'SENDING'
"""
# an accepted send awaits its receipt until $10 seconds after the provider took it
_RECORD = """
UPDATE sends s
SET state = r.state, provider_message_id = COALESCE(r.provider_message_id, s.provider_message_id),
    sent_at = r.sent_at, segments = r.segments, error_code = r.error_code, error_detail = r.error_detail,
    carrier_error_code = r.carrier_error_code,
    receipt_due_at = CASE WHEN r.state = 'ACCEPTED' THEN r.sent_at + make_interval(secs => $10) END
FROM unnest($1::text[], $2::smallint[], $3::text[], $4::timestamptz[], $5::text[], $6::smallint[], $7::text[],
            $8::text[], $9::text[])
     AS r(message_id, attempt, state, sent_at, provider_message_id, segments, error_code, error_detail,
          carrier_error_code)
WHERE s.message_id = r.message_id AND s.attempt = r.attempt AND s.state = 'SENDING'
RETURNING s.message_id, s.attempt
"""
_COUNT_FAILURE = """
UPDATE sends s SET tries = tries + 1
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE s.message_id = k.message_id AND s.attempt = k.attempt AND s.state = 'SENDING'
RETURNING s.message_id, s.attempt, s.tries
"""
# rows locked in a fixed order, as every other path that locks several of them does
_ANNOUNCE = """
WITH due AS (
    SELECT s.message_id AS due_id, s.attempt AS due_attempt FROM sends s
    JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt) USING (message_id, attempt)
    WHERE s.state <> 'SENDING' AND NOT s.announced
    ORDER BY s.message_id, s.attempt
    FOR UPDATE OF s
)
UPDATE sends SET announced = true FROM due
WHERE message_id = due_id AND attempt = due_attempt
RETURNING {columns}
"""
# replicas sweeping at once skip each other's rows, and those a receipt holds
_CLAIM_OVERDUE = """
SELECT {columns}, extract(epoch FROM receipt_due_at - sent_at)::float8 AS deadline_seconds
FROM sends
WHERE receipt_due_at <= now() AND state = 'ACCEPTED' AND announced
ORDER BY receipt_due_at
LIMIT $1
FOR UPDATE SKIP LOCKED
"""
_MARK_EXPIRED = """
UPDATE sends s SET receipt_due_at = NULL, receipt_expired_at = now()
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE s.message_id = k.message_id AND s.attempt = k.attempt
"""


class SendStore:
    """The kit's SQL over `sends`, for a connector's store to inherit. A connector whose
    rows carry more sets `row` (a `Send` subclass) and `columns` (the kit's plus its own),
    and `overdue_row` likewise."""

    row: ClassVar[type[Send]] = Send
    overdue_row: ClassVar[type[OverdueSend]] = OverdueSend
    columns: ClassVar[str] = SEND_COLUMNS

    lease_seconds: ClassVar[float] = SEND_LEASE_SECONDS

    def __init__(self, pool: asyncpg.Pool, channel: Channel) -> None:
        self.pool, self.channel = pool, channel
        self.owner = os.urandom(OWNER_TOKEN_BYTES)  # this process's claims

    async def claim(
        self,
        events: Sequence[MessageSubmittedV1],
        *,
        sender_id: Callable[[MessageSubmittedV1], str | None] | None = None,
        provider_message_id: Callable[[MessageSubmittedV1], str] | None = None,
    ) -> dict[Key, Send]:
        """Insert a SENDING row per new attempt, leased to this process; every attempt's
        row, new or not, except those SENDING under another process's lease (another
        replica is sending them now: the caller leaves them for the batch's next delivery).
        A SENDING row returned is this process's to send. `sender_id` overrides the
        event's (voice: the caller ID); `provider_message_id` fixes the provider's id
        before the send, for providers that take ours."""
        rows = await self.pool.fetch(
            _CLAIM.format(columns=self.columns),
            [e.message_id for e in events],
            [e.attempt for e in events],
            [e.account_id for e in events],
            [e.recipient for e in events],
            [e.template_id for e in events],
            [sender_id(e) if sender_id else e.sender_id for e in events],
            [e.campaign_id for e in events],
            [provider_message_id(e) if provider_message_id else None for e in events],
            self.owner,
            self.lease_seconds,
        )
        return {(r["message_id"], r["attempt"]): self.row(**dict(r)) for r in rows}

    async def record(self, results: Sequence[SendResult], *, receipt_deadline_seconds: float) -> None:
        """Write what became of each send, in one transaction with `record_more`; only rows
        still SENDING change. An accepted one awaits its receipt until
        `receipt_deadline_seconds` after the provider took it."""
        if not results:
            return
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                _RECORD,
                [r.message_id for r in results],
                [r.attempt for r in results],
                [r.state for r in results],
                [r.sent_at for r in results],
                [r.provider_message_id for r in results],
                [r.segments for r in results],
                [r.error_code for r in results],
                [r.error_detail for r in results],
                [r.carrier_error_code for r in results],
                receipt_deadline_seconds,
            )
            recorded = {(r["message_id"], r["attempt"]) for r in rows}
            await self.record_more(conn, results, [r for r in results if r.key in recorded])

    async def record_more(
        self, conn: asyncpg.Connection, results: Sequence[SendResult], recorded: Sequence[SendResult]
    ) -> None:
        """What a connector writes with its results (same transaction): `results` all of
        them, `recorded` those whose row was still SENDING. Nothing by default."""

    async def count_failures(self, keys: Sequence[Key]) -> dict[Key, int]:
        """Add one transient failure to each attempt still SENDING; the totals so far."""
        if not keys:
            return {}
        rows = await self.pool.fetch(_COUNT_FAILURE, *key_arrays(keys))
        return {(r["message_id"], r["attempt"]): r["tries"] for r in rows}

    async def announce(self, keys: Sequence[Key], publish: Callable[[list[Any]], Awaitable[None]]) -> list[Any]:
        """Mark the decided, not yet announced attempts among `keys` announced and
        `publish` their rows before the mark commits (a failed publish leaves them
        unmarked, to be announced again). Returns the rows announced."""
        if not keys:
            return []
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(_ANNOUNCE.format(columns=self.columns), *key_arrays(sorted(set(keys))))
            announced = [self.row(**dict(r)) for r in rows]
            if announced:
                await publish(announced)
        return announced

    async def claim_overdue(self, conn: asyncpg.Connection, limit: int) -> list[Any]:
        """Lock up to `limit` announced, accepted attempts past their receipt deadline
        (until `conn`'s transaction ends)."""
        rows = await conn.fetch(_CLAIM_OVERDUE.format(columns=self.columns), limit)
        return [self.overdue_row(**dict(r)) for r in rows]

    async def mark_expired(self, conn: asyncpg.Connection, keys: Sequence[Key]) -> None:
        """Expired once: the attempts leave every later sweep; nothing else changes, so a
        receipt that comes later is still applied."""
        if keys:
            await conn.execute(_MARK_EXPIRED, *key_arrays(keys))
