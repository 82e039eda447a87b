"""Receipt deadlines: an accepted SMS whose receipts never come is asked about, then ended.

Every accepted message has a receipt deadline: its acceptance plus the validity period
it was sent with plus `receipt_grace_seconds` (an SMSC sends an EXPIRED receipt when the
validity period lapses; the grace covers its delay). Every `receipt_sweep_seconds` the
platform's `DeadlineSweeper` calls `sweep_batch`, which takes a batch of messages past
their deadline (`FOR UPDATE SKIP LOCKED`: replicas share the work) and asks the
provider about each segment that has no final receipt (SMPP: query_sm with the
segment's carrier id and the sender ID):

- every such segment answered with a final outcome: the answers are applied as the
  receipts they stand for, and the message ends as a receipt would end it (one final
  status, published before its FINAL mark commits);
- otherwise (still en route, not known, a query refused or not answered): the message
  ends UNDELIVERED / RECEIPT_EXPIRED (the kit's `expire`: published before
  `receipt_expired_at` commits). Segments that did answer keep their answer. The
  message stays ACCEPTED, so a receipt that comes later still finishes it and publishes
  its real final status for the same attempt (consumers let it supersede the expiry).

The sends stay locked while their segments are asked about (a batch of at most
`SWEEP_BATCH_ROWS`, each question bounded by the provider's timeout); a receipt for one
of them waits for that.
"""

import asyncio

import asyncpg

from cpaas.connector_kit.deadlines import expire
from cpaas.platform.broker import EventPublisher
from cpaas.platform.deadlines import EXPIRED, DeadlineSweeper
from cpaas.sms_connector.delivery_reports import publish_final_statuses
from cpaas.sms_connector.providers.base import SmsProvider
from cpaas.sms_connector.store import Finished, SmsStore

ANSWERED_FINAL = "answered_final"  # every awaited segment's question answered a final outcome
SWEEP_BATCH_ROWS = 200  # messages locked per round while their segments are asked about


def receipt_sweeper(
    store: SmsStore, provider: SmsProvider, publisher: EventPublisher, *, service: str, every_seconds: float
) -> DeadlineSweeper:
    async def publish_finished(finished: list[Finished]) -> None:
        await publish_final_statuses(publisher, finished, provider.receipt_meaning)

    async def sweep_batch(conn: asyncpg.Connection, limit: int) -> dict[str, int]:
        overdue = await store.claim_overdue(conn, limit)
        if not overdue:
            return {}
        answers = await asyncio.gather(
            *(provider.ask(carrier_id, o.sender_id or "") for o in overdue for carrier_id in o.awaited)
        )
        _, finished = await store.apply_on(conn, [r for r in answers if r is not None], publish_finished)
        ended = [o for o in overdue if o.key not in finished]
        await expire(conn, store, publisher, ended)
        return {ANSWERED_FINAL: len(overdue) - len(ended), EXPIRED: len(ended)}

    return DeadlineSweeper(
        store.pool, sweep_batch, service=service, every_seconds=every_seconds, batch_rows=SWEEP_BATCH_ROWS
    )
