"""Receipt deadlines of a connector: an accepted send whose receipt never came ends
UNDELIVERED / RECEIPT_EXPIRED.

The platform's `DeadlineSweeper` runs the rounds (a transaction per batch, SKIP LOCKED,
retries, metrics); here is what a round does with the attempts it claimed. `expire`
publishes their expiry before it marks them, so the mark commits only once the events
are in Kafka, and a marked attempt leaves every later sweep (it expires once). Its
status is left as the provider last reported it, so a receipt that comes later is still
applied and published (consumers let it supersede the expiry).

`expiring_sweeper` is the whole round for a provider that cannot be asked about a
message; a connector whose provider can (SMPP query_sm, a voice call's GET) writes its
own round around `store.claim_overdue` and `expire`.
"""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import asyncpg

from cpaas.connector_kit.sends import OverdueSend, SendStore
from cpaas.connector_kit.statuses import expired_status
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import EventPublisher
from cpaas.platform.deadlines import BATCH_ROWS, EXPIRED, DeadlineSweeper


async def expire(
    conn: asyncpg.Connection,
    store: SendStore,
    publisher: EventPublisher,
    overdue: Sequence[OverdueSend],
    *,
    carrier_error_code: Callable[[OverdueSend], str | None] | None = None,
) -> None:
    """Publish UNDELIVERED / RECEIPT_EXPIRED for each attempt, then mark them expired in
    `conn`'s transaction. `carrier_error_code`: what the provider said when asked, if it was."""
    if not overdue:
        return
    now = datetime.now(UTC)
    events = [
        expired_status(store.channel, o, now, carrier_error_code=carrier_error_code(o) if carrier_error_code else None)
        for o in overdue
    ]
    await publisher.publish_many((MSG_STATUS.name, e, e.message_id) for e in events)
    await store.mark_expired(conn, [o.key for o in overdue])


def expiring_sweeper(
    store: SendStore, publisher: EventPublisher, *, service: str, every_seconds: float, batch_rows: int = BATCH_ROWS
) -> DeadlineSweeper:
    """Every attempt past its deadline ends UNDELIVERED / RECEIPT_EXPIRED."""

    async def expire_overdue(conn: asyncpg.Connection, limit: int) -> dict[str, int]:
        overdue = await store.claim_overdue(conn, limit)
        await expire(conn, store, publisher, overdue)
        return {EXPIRED: len(overdue)}

    return DeadlineSweeper(
        store.pool, expire_overdue, service=service, every_seconds=every_seconds, batch_rows=batch_rows
    )
