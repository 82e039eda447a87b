"""The connector's SQL over its `rcs` schema: sends, provider events, template registrations.

Batch statements take whole batches (unnest arrays), so a batch of sends costs a few
round trips whatever its size. Uniqueness that protects delivery is in the schema:
(message id, attempt) claims a send once, the provider message id is unique, and
(provider message id, event type) applies a webhook event once.
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from cpaas.contracts import MessageSubmittedV1
from cpaas.rcs_connector.providers.base import DeliveryUpdate, TemplateVerdict

Key = tuple[str, int]  # (message id, attempt)
SENDING, ACCEPTED, REFUSED = "SENDING", "ACCEPTED", "REFUSED"


def provider_message_id(message_id: str, attempt: int) -> str:
    """The id the provider knows an attempt by: fixed before the send, so a repeat of
    the send reuses it (and the provider refuses a duplicate)."""
    return f"{message_id}-{attempt}"


@dataclass(frozen=True)
class Send:
    """A claimed message attempt as the table has it."""

    message_id: str
    attempt: int
    account_id: int
    recipient: str
    template_id: int
    sender_id: str | None
    campaign_id: int | None
    provider_message_id: str
    bot_id: str | None
    status: str
    tries: int
    decided_at: datetime | None
    error_code: str | None
    error_detail: str | None
    carrier_error_code: str | None
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
    """What became of an attempt: ACCEPTED by the provider, or REFUSED (why in error_*)."""

    message_id: str
    attempt: int
    status: str
    decided_at: datetime
    bot_id: str | None = None
    error_code: str | None = None
    error_detail: str | None = None
    carrier_error_code: str | None = None

    @property
    def key(self) -> Key:
        return (self.message_id, self.attempt)


@dataclass(frozen=True)
class Registration:
    bot_id: str
    name: str
    template_id: int
    account_id: int
    event_id: str
    provider_template_id: str | None


_SEND_COLUMNS = (
    "message_id, attempt, account_id, recipient, template_id, sender_id, campaign_id, provider_message_id,"
    " bot_id, status, tries, decided_at, error_code, error_detail, carrier_error_code, announced"
)
_KEYS = "unnest($1::text[], $2::smallint[]) AS k(message_id, attempt)"


def _key_arrays(keys: Sequence[Key]) -> tuple[list[str], list[int]]:
    return [k[0] for k in keys], [k[1] for k in keys]


class RcsStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def claim(self, events: Sequence[MessageSubmittedV1]) -> dict[Key, Send]:
        """Insert a SENDING row for each new attempt; every attempt's row, new or not."""
        await self.pool.execute(
            "INSERT INTO sends (message_id, attempt, account_id, recipient, template_id, sender_id, campaign_id,"
            " provider_message_id)"
            " SELECT * FROM unnest($1::text[], $2::smallint[], $3::bigint[], $4::text[], $5::bigint[], $6::text[],"
            " $7::bigint[], $8::text[]) ON CONFLICT (message_id, attempt) DO NOTHING",
            [e.message_id for e in events],
            [e.attempt for e in events],
            [e.account_id for e in events],
            [e.recipient for e in events],
            [e.template_id for e in events],
            [e.sender_id for e in events],
            [e.campaign_id for e in events],
            [provider_message_id(e.message_id, e.attempt) for e in events],
        )
        return {row.key: row for row in await self._sends(_key_arrays([(e.message_id, e.attempt) for e in events]))}

    async def _sends(self, keys: tuple[list[str], list[int]]) -> list[Send]:
        rows = await self.pool.fetch(
            f"SELECT {_SEND_COLUMNS} FROM sends JOIN {_KEYS} USING (message_id, attempt)", *keys
        )
        return [Send(**dict(row)) for row in rows]

    async def record(self, results: Sequence[SendResult], *, receipt_deadline_seconds: float) -> None:
        """Write what became of each attempt (only rows still SENDING change); an accepted
        one awaits its receipt until `receipt_deadline_seconds` after the provider took it."""
        if not results:
            return
        await self.pool.execute(
            "UPDATE sends s SET status = r.status, decided_at = r.decided_at, bot_id = r.bot_id,"
            " error_code = r.error_code, error_detail = r.error_detail, carrier_error_code = r.carrier_error_code,"
            " receipt_due_at = CASE WHEN r.status = 'ACCEPTED' THEN r.decided_at + make_interval(secs => $9) END"
            " FROM unnest($1::text[], $2::smallint[], $3::text[], $4::timestamptz[], $5::text[], $6::text[],"
            " $7::text[], $8::text[]) AS r(message_id, attempt, status, decided_at, bot_id, error_code, error_detail,"
            " carrier_error_code)"
            " WHERE s.message_id = r.message_id AND s.attempt = r.attempt AND s.status = 'SENDING'",
            [r.message_id for r in results],
            [r.attempt for r in results],
            [r.status for r in results],
            [r.decided_at for r in results],
            [r.bot_id for r in results],
            [r.error_code for r in results],
            [r.error_detail for r in results],
            [r.carrier_error_code for r in results],
            receipt_deadline_seconds,
        )

    async def count_failures(self, keys: Sequence[Key]) -> dict[Key, int]:
        """Add one transient failure to each attempt; the totals so far."""
        if not keys:
            return {}
        rows = await self.pool.fetch(
            f"UPDATE sends s SET tries = tries + 1 FROM {_KEYS}"
            " WHERE s.message_id = k.message_id AND s.attempt = k.attempt RETURNING s.message_id, s.attempt, s.tries",
            *_key_arrays(keys),
        )
        return {(row["message_id"], row["attempt"]): row["tries"] for row in rows}

    async def mark_announced(self, keys: Sequence[Key]) -> None:
        if keys:
            await self.pool.execute(
                f"UPDATE sends s SET announced = true FROM {_KEYS}"
                " WHERE s.message_id = k.message_id AND s.attempt = k.attempt",
                *_key_arrays(keys),
            )

    async def send_by_provider_id(self, provider_message_id: str) -> Send | None:
        row = await self.pool.fetchrow(
            f"SELECT {_SEND_COLUMNS} FROM sends WHERE provider_message_id = $1", provider_message_id
        )
        return Send(**dict(row)) if row else None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[asyncpg.Connection]:
        async with self.pool.acquire() as conn, conn.transaction():
            yield conn

    async def receipt_came(self, conn: asyncpg.Connection, provider_message_id: str) -> None:
        """The attempt awaits no receipt any more. Locks its row until `conn`'s transaction
        ends, so this and the deadline sweeper take turns on one attempt."""
        await conn.execute("UPDATE sends SET receipt_due_at = NULL WHERE provider_message_id = $1", provider_message_id)

    async def claim_overdue(self, conn: asyncpg.Connection, limit: int) -> list[OverdueSend]:
        """Lock up to `limit` announced, accepted attempts past their receipt deadline
        (replicas sweeping at once, and webhooks holding a row, are skipped)."""
        rows = await conn.fetch(
            f"SELECT {_SEND_COLUMNS}, extract(epoch FROM receipt_due_at - decided_at)::float8 AS deadline_seconds"
            " FROM sends WHERE receipt_due_at <= now() AND status = 'ACCEPTED' AND announced"
            " ORDER BY receipt_due_at LIMIT $1 FOR UPDATE SKIP LOCKED",
            limit,
        )
        return [OverdueSend(**dict(row)) for row in rows]

    async def mark_expired(self, conn: asyncpg.Connection, keys: Sequence[Key]) -> None:
        """Expired once: the attempts leave every later sweep (a later DELIVERED still applies)."""
        if keys:
            await conn.execute(
                f"UPDATE sends s SET receipt_due_at = NULL, receipt_expired_at = now() FROM {_KEYS}"
                " WHERE s.message_id = k.message_id AND s.attempt = k.attempt",
                *_key_arrays(keys),
            )

    async def add_delivery_event(self, conn: asyncpg.Connection, update: DeliveryUpdate) -> bool:
        """True when this event of this message is new (a concurrent duplicate waits for
        the first one's transaction, then finds its row)."""
        inserted = await conn.fetchval(
            "INSERT INTO delivery_events (provider_message_id, event_type, event_id, occurred_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true",
            update.provider_message_id,
            update.event_type,
            update.event_id,
            update.occurred_at,
        )
        return bool(inserted)

    async def start_registration(
        self, bot_id: str, name: str, template_id: int, account_id: int, event_id: str
    ) -> str | None:
        """Make this submission the template's current registration; returns its provider
        template id when this same event already completed it (nothing left to do)."""
        return await self.pool.fetchval(
            "INSERT INTO template_registrations (bot_id, name, template_id, account_id, event_id)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (bot_id, name) DO UPDATE SET"
            " template_id = EXCLUDED.template_id, account_id = EXCLUDED.account_id, submitted_at = now(),"
            " provider_template_id = CASE WHEN template_registrations.event_id = EXCLUDED.event_id"
            "   THEN template_registrations.provider_template_id END,"
            " event_id = EXCLUDED.event_id"
            " RETURNING provider_template_id",
            bot_id,
            name,
            template_id,
            account_id,
            event_id,
        )

    async def finish_registration(self, bot_id: str, name: str, event_id: str, provider_template_id: str) -> None:
        await self.pool.execute(
            "UPDATE template_registrations SET provider_template_id = $4"
            " WHERE bot_id = $1 AND name = $2 AND event_id = $3",
            bot_id,
            name,
            event_id,
            provider_template_id,
        )

    async def registration(self, bot_id: str, name: str) -> Registration | None:
        row = await self.pool.fetchrow(
            "SELECT bot_id, name, template_id, account_id, event_id, provider_template_id"
            " FROM template_registrations WHERE bot_id = $1 AND name = $2",
            bot_id,
            name,
        )
        return Registration(**dict(row)) if row else None

    async def add_template_event(self, conn: asyncpg.Connection, verdict: TemplateVerdict) -> bool:
        inserted = await conn.fetchval(
            "INSERT INTO template_events (provider_template_id, state, reason) VALUES ($1, $2, $3)"
            " ON CONFLICT DO NOTHING RETURNING true",
            verdict.provider_template_id,
            verdict.status,
            verdict.reason,
        )
        return bool(inserted)
