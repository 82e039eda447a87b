"""The connector's SQL over its `voice` schema: the calls placed (the kit's `sends`, a
call attempt per row) and their progress (`call_events`).

A callback's work runs in one transaction holding the call's row lock, as does the kit's
announcing of a batch's creations, so the two never publish the same status of one call
twice.
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from cpaas.connector_kit.sends import ACCEPTED, SEND_COLUMNS, SENDING, Key, Send, SendResult, SendStore, key_arrays
from cpaas.contracts import Channel, MessageStatus
from cpaas.voice_connector.providers import CallProgress


@dataclass(frozen=True)
class CallRow(Send):
    """A call attempt (its provider message id is the call SID, its sender ID the caller ID)."""

    published_status: str | None  # the last status a callback published; see `published`
    provider_status: str | None  # the call's latest status as the provider reported it

    @property
    def published(self) -> str | None:
        """The last status of the attempt that is in Kafka (None: none yet)."""
        if self.published_status is not None:
            return self.published_status
        if self.announced:
            return MessageStatus.SUBMITTED_OPERATOR if self.state == ACCEPTED else MessageStatus.FAILED
        return None


@dataclass(frozen=True)
class OverdueCall(CallRow):
    """A created call past its receipt deadline; `deadline_seconds` is the one it had."""

    deadline_seconds: float


@dataclass(frozen=True)
class CallResult(SendResult):
    """What became of a create-call request, with the call's first status at the provider."""

    provider_status: str | None = None


_COLUMNS = f"{SEND_COLUMNS}, published_status, provider_status"
_BY_SID = f"SELECT {_COLUMNS} FROM sends WHERE provider_message_id = $1 FOR UPDATE"
_BY_KEY = f"SELECT {_COLUMNS} FROM sends WHERE message_id = $1 AND attempt = $2 FOR UPDATE"
# a callback overtook the create's answer: the call exists, under this SID
_LINK = f"""
UPDATE sends SET provider_message_id = $3, state = 'ACCEPTED', sent_at = now(), updated_at = now(),
                 receipt_due_at = now() + make_interval(secs => $4)
WHERE message_id = $1 AND attempt = $2 RETURNING {_COLUMNS}
"""
_RECORD_MORE = """
UPDATE sends s SET provider_status = u.provider_status, updated_at = now()
FROM unnest($1::text[], $2::smallint[], $3::text[]) AS u(message_id, attempt, provider_status)
WHERE s.message_id = u.message_id AND s.attempt = u.attempt
"""
_ADD_EVENT = """
INSERT INTO call_events (call_sid, status, message_id, attempt, sequence_number, sip_response_code,
                         duration_seconds, occurred_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (call_sid, status) DO NOTHING
RETURNING true
"""
# The provider status is kept once the attempt's final status is published (a late
# progress callback does not overwrite 'completed'); a final status ends the deadline; a
# status published here announces the attempt (the batch then publishes nothing more).
_PROGRESS = """
UPDATE sends
SET provider_status = CASE WHEN published_status IN ('DELIVERED', 'UNDELIVERED', 'FAILED')
                           THEN provider_status ELSE $3 END,
    duration_seconds = COALESCE($4, duration_seconds),
    published_status = $5::text,
    announced = announced OR $5::text IS NOT NULL,
    receipt_due_at = CASE WHEN $5::text IN ('DELIVERED', 'UNDELIVERED', 'FAILED') THEN NULL ELSE receipt_due_at END,
    updated_at = now()
WHERE message_id = $1 AND attempt = $2
"""


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


class VoiceStore(SendStore):
    row = CallRow
    overdue_row = OverdueCall
    columns = _COLUMNS

    def __init__(self, pool: asyncpg.Pool, *, receipt_deadline_seconds: float) -> None:
        """`receipt_deadline_seconds`: how long a created call waits for its final status
        (from a callback that links the call before its create's answer is recorded)."""
        super().__init__(pool, Channel.VOICE)
        self.receipt_deadline_seconds = receipt_deadline_seconds

    async def record_more(
        self, conn: asyncpg.Connection, results: Sequence[SendResult], recorded: Sequence[SendResult]
    ) -> None:
        """The call's status at the provider when it was created."""
        if recorded:
            await conn.execute(
                _RECORD_MORE,
                *key_arrays([r.key for r in recorded]),
                [r.provider_status if isinstance(r, CallResult) else None for r in recorded],
            )

    @asynccontextmanager
    async def locked_call(self, call_sid: str, hint: Key | None) -> AsyncIterator["LockedCall | None"]:
        """The call a callback is about, locked until the block ends (its transaction commits).

        Found by its call SID; failing that (the callback overtook the create's answer), by
        the message id and attempt its callback URL carries, and then linked to the SID.
        None when neither finds it.
        """
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(_BY_SID, call_sid)
            if row is None and hint is not None:
                row = await conn.fetchrow(_BY_KEY, *hint)
                if row is not None and row["provider_message_id"] is None and row["state"] == SENDING:
                    row = await conn.fetchrow(_LINK, *hint, call_sid, self.receipt_deadline_seconds)
                elif row is not None and row["provider_message_id"] != call_sid:
                    row = None
            yield LockedCall(conn, CallRow(**dict(row))) if row is not None else None
