"""The connector's SQL over its `voice` schema: the calls placed and their progress.

Batch statements take whole batches (unnest arrays). A callback's work runs in one
transaction holding the call's row lock, as does announcing a batch's creations, so
the two never publish the same status of one call twice.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cpaas.contracts import MessageSubmittedV1
from cpaas.voice_connector.domain.statuses import CallAttempt
from cpaas.voice_connector.providers import CallProgress

Key = tuple[str, int]  # (message id, attempt)

CREATING, ACCEPTED, REFUSED = "CREATING", "ACCEPTED", "REFUSED"


@dataclass(frozen=True)
class CallRow(CallAttempt):
    status: str
    provider_status: str | None
    error_code: str | None
    error_detail: str | None
    carrier_error_code: str | None


@dataclass(frozen=True)
class OverdueCall(CallRow):
    """A created call past its receipt deadline; `deadline_seconds` is the one it had."""

    deadline_seconds: float


@dataclass(frozen=True)
class CreateResult:
    """What became of a create-call request: ACCEPTED (with its call) or REFUSED."""

    message_id: str
    attempt: int
    status: str
    at: datetime
    call_sid: str | None = None
    provider_status: str | None = None
    error_code: str | None = None
    error_detail: str | None = None
    carrier_error_code: str | None = None


_COLUMNS = """message_id, attempt, account_id, recipient, template_id, campaign_id, caller_id, call_sid,
published_status, accepted_at, status, provider_status, error_code, error_detail, carrier_error_code"""
_CLAIM = """
INSERT INTO calls (message_id, attempt, account_id, recipient, template_id, campaign_id, caller_id)
SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::text[], $5::bigint[], $6::bigint[], $7::text[])
ON CONFLICT (message_id, attempt) DO NOTHING
"""
_CLAIMED = f"""
SELECT {_COLUMNS} FROM calls JOIN unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
USING (message_id, attempt)
"""
# Only a row still CREATING takes the result: a callback may have linked the call first.
# A created call awaits its final status until $10 seconds after its creation.
_RECORD = """
UPDATE calls c
SET status = r.status, call_sid = r.call_sid, provider_status = r.provider_status,
    accepted_at = CASE WHEN r.status = 'ACCEPTED' THEN r.at END, error_code = r.error_code,
    error_detail = r.error_detail, carrier_error_code = r.carrier_error_code, updated_at = now(),
    receipt_due_at = CASE WHEN r.status = 'ACCEPTED' THEN r.at + make_interval(secs => $10) END
FROM unnest($1::text[], $2::smallint[], $3::text[], $4::timestamptz[], $5::text[], $6::text[], $7::text[],
            $8::text[], $9::text[])
     AS r(message_id, attempt, status, at, call_sid, provider_status, error_code, error_detail, carrier_error_code)
WHERE c.message_id = r.message_id AND c.attempt = r.attempt AND c.status = 'CREATING'
"""
_ANNOUNCE = f"""
UPDATE calls c
SET published_status = CASE WHEN c.status = 'ACCEPTED' THEN 'SUBMITTED_OPERATOR' ELSE 'FAILED' END,
    updated_at = now()
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE c.message_id = k.message_id AND c.attempt = k.attempt
  AND c.status IN ('ACCEPTED', 'REFUSED') AND c.published_status IS NULL
RETURNING {", ".join("c." + column.strip() for column in _COLUMNS.split(","))}
"""
_BY_SID = f"SELECT {_COLUMNS} FROM calls WHERE call_sid = $1 FOR UPDATE"
_BY_KEY = f"SELECT {_COLUMNS} FROM calls WHERE message_id = $1 AND attempt = $2 FOR UPDATE"
_LINK = f"""
UPDATE calls SET call_sid = $3, status = 'ACCEPTED', accepted_at = now(), updated_at = now(),
                 receipt_due_at = now() + make_interval(secs => $4)
WHERE message_id = $1 AND attempt = $2 RETURNING {_COLUMNS}
"""
_ADD_EVENT = """
INSERT INTO call_events (call_sid, status, message_id, attempt, sequence_number, sip_response_code,
                         duration_seconds, occurred_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (call_sid, status) DO NOTHING
RETURNING true
"""
# The provider status is kept once the attempt's final status is published (a late
# progress callback does not overwrite 'completed'); a final status ends the deadline.
_PROGRESS = """
UPDATE calls
SET provider_status = CASE WHEN published_status IN ('DELIVERED', 'UNDELIVERED', 'FAILED')
                           THEN provider_status ELSE $3 END,
    duration_seconds = COALESCE($4, duration_seconds),
    published_status = $5,
    receipt_due_at = CASE WHEN $5 IN ('DELIVERED', 'UNDELIVERED', 'FAILED') THEN NULL ELSE receipt_due_at END,
    updated_at = now()
WHERE message_id = $1 AND attempt = $2
"""
# Created calls past their deadline with no final status published; replicas sweeping at
# once skip each other's rows, and those a callback holds.
_CLAIM_OVERDUE = f"""
SELECT {_COLUMNS}, extract(epoch FROM receipt_due_at - accepted_at)::float8 AS deadline_seconds
FROM calls
WHERE receipt_due_at <= now() AND status = 'ACCEPTED' AND published_status = 'SUBMITTED_OPERATOR'
ORDER BY receipt_due_at
LIMIT $1
FOR UPDATE SKIP LOCKED
"""
_MARK_EXPIRED = """
UPDATE calls c SET receipt_due_at = NULL, receipt_expired_at = now(), updated_at = now()
FROM unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)
WHERE c.message_id = k.message_id AND c.attempt = k.attempt
"""


def _keys(keys: Sequence[Key]) -> tuple[list[str], list[int]]:
    return [k[0] for k in keys], [k[1] for k in keys]


class LockedCall:
    """A call row locked for the rest of its transaction."""

    def __init__(self, conn: asyncpg.Connection, row: CallRow) -> None:
        self.conn, self.row = conn, row

    async def add_event(self, progress: CallProgress) -> bool:
        """Record the callback; False when this call already reported this status."""
        return bool(
            await self.conn.fetchval(
                _ADD_EVENT,
                progress.call_sid,
                progress.provider_status,
                self.row.message_id,
                self.row.attempt,
                progress.sequence_number,
                progress.sip_response_code,
                progress.duration_seconds,
                progress.occurred_at,
            )
        )

    async def update(self, progress: CallProgress, published_status: str | None) -> None:
        await self.conn.execute(
            _PROGRESS,
            self.row.message_id,
            self.row.attempt,
            progress.provider_status,
            progress.duration_seconds,
            published_status,
        )


class VoiceStore:
    def __init__(self, pool: asyncpg.Pool, *, receipt_deadline_seconds: float) -> None:
        """`receipt_deadline_seconds`: how long a created call waits for its final status."""
        self.pool, self.receipt_deadline_seconds = pool, receipt_deadline_seconds

    async def claim(self, events: Sequence[MessageSubmittedV1], caller_id: str) -> dict[Key, CallRow]:
        """Insert a CREATING row per new message attempt; return every attempt's row."""
        async with self.pool.acquire() as conn:
            await conn.execute(
                _CLAIM,
                [e.message_id for e in events],
                [e.attempt for e in events],
                [e.account_id for e in events],
                [e.recipient for e in events],
                [e.template_id for e in events],
                [e.campaign_id for e in events],
                [caller_id] * len(events),
            )
            rows = await conn.fetch(_CLAIMED, *_keys([(e.message_id, e.attempt) for e in events]))
        return {(r["message_id"], r["attempt"]): CallRow(**dict(r)) for r in rows}

    async def record(self, results: Sequence[CreateResult]) -> None:
        if not results:
            return
        columns = ("message_id", "attempt", "status", "at", "call_sid", "provider_status", "error_code",
                   "error_detail", "carrier_error_code")  # fmt: skip
        arrays = [[getattr(r, c) for r in results] for c in columns]
        await self.pool.execute(_RECORD, *arrays, self.receipt_deadline_seconds)

    async def announce(self, keys: Sequence[Key], publish: Callable[[list[CallRow]], Awaitable[None]]) -> list[CallRow]:
        """Mark the created or refused attempts among `keys` whose first status is not yet
        in Kafka, and `publish` them before the mark commits (a failed publish leaves them
        unmarked, to be announced again)."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = [CallRow(**dict(r)) for r in await conn.fetch(_ANNOUNCE, *_keys(keys))]
            if rows:
                await publish(rows)
        return rows

    @asynccontextmanager
    async def locked_call(self, call_sid: str, hint: Key | None) -> AsyncIterator[LockedCall | None]:
        """The call a callback is about, locked until the block ends (its transaction commits).

        Found by its call SID; failing that (the callback overtook the create's answer), by
        the message id and attempt its callback URL carries, and then linked to the SID.
        None when neither finds it.
        """
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(_BY_SID, call_sid)
            if row is None and hint is not None:
                row = await conn.fetchrow(_BY_KEY, *hint)
                if row is not None and row["call_sid"] is None and row["status"] == CREATING:
                    row = await conn.fetchrow(_LINK, *hint, call_sid, self.receipt_deadline_seconds)
                elif row is not None and row["call_sid"] != call_sid:
                    row = None
            yield LockedCall(conn, CallRow(**dict(row))) if row is not None else None

    async def claim_overdue(self, conn: asyncpg.Connection, limit: int) -> list[OverdueCall]:
        """Lock up to `limit` created calls past their receipt deadline (until `conn`'s
        transaction ends); `LockedCall(conn, row)` applies a status to one of them."""
        return [OverdueCall(**dict(r)) for r in await conn.fetch(_CLAIM_OVERDUE, limit)]

    async def mark_expired(self, conn: asyncpg.Connection, keys: Sequence[Key]) -> None:
        """Expired once: the attempts leave every later sweep; their published status stays
        SUBMITTED_OPERATOR, so a final callback that comes later is still published."""
        if keys:
            await conn.execute(_MARK_EXPIRED, *_keys(keys))
