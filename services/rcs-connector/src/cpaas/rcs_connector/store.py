"""The connector's SQL over its `rcs` schema: sends, provider events, template registrations.

Batch statements take whole batches (unnest arrays), so a batch of sends costs a few
round trips whatever its size. Uniqueness that protects delivery is in the schema:
(message id, attempt) claims a send once, the provider message id is unique, and
(provider message id, event type) applies a webhook event once.
"""

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg

from cpaas.connector_kit.sends import SEND_COLUMNS, Send, SendResult, SendStore, key_arrays
from cpaas.contracts import Channel, MessageSubmittedV1
from cpaas.rcs_connector.providers.base import DeliveryUpdate, TemplateVerdict


def provider_message_id(event: MessageSubmittedV1) -> str:
    """The id the provider knows an attempt by: fixed before the send, so a repeat of
    the send reuses it (and the provider refuses a duplicate)."""
    return f"{event.message_id}-{event.attempt}"


@dataclass(frozen=True)
class RcsResult(SendResult):
    """A send's result and the bot it went (or would have gone) through."""

    bot_id: str | None = None


@dataclass(frozen=True)
class Registration:
    bot_id: str
    name: str
    template_id: int
    account_id: int
    event_id: str
    provider_template_id: str | None


_RECORD_BOTS = """
UPDATE sends s SET bot_id = u.bot_id
FROM unnest($1::text[], $2::smallint[], $3::text[]) AS u(message_id, attempt, bot_id)
WHERE s.message_id = u.message_id AND s.attempt = u.attempt
"""


class RcsStore(SendStore):
    def __init__(self, pool: asyncpg.Pool) -> None:
        super().__init__(pool, Channel.RCS)

    async def record_more(
        self, conn: asyncpg.Connection, results: Sequence[SendResult], recorded: Sequence[SendResult]
    ) -> None:
        """The bot each recorded attempt went through."""
        bots = [r for r in recorded if isinstance(r, RcsResult) and r.bot_id]
        if bots:
            await conn.execute(_RECORD_BOTS, *key_arrays([r.key for r in bots]), [r.bot_id for r in bots])

    async def send_by_provider_id(self, provider_message_id: str) -> Send | None:
        row = await self.pool.fetchrow(
            f"SELECT {SEND_COLUMNS} FROM sends WHERE provider_message_id = $1", provider_message_id
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
