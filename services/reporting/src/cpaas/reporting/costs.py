"""Each message's cost, from billing.charged: the attempt's amount on its attempt row and
the sum over attempts (fallback levels are charged on their own channels) on the message.

A charge can be consumed before reporting has written its attempt (different topics);
such a batch is retried shortly (the attempt row follows within moments), unless the
message is too old to still appear, when the charge is skipped and counted.
"""

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from cpaas.contracts.events import MessageChargedV1
from cpaas.contracts.topics import BILLING_CHARGED
from cpaas.platform.broker import decode_batch, subscribe
from cpaas.platform.settings import KafkaSettings
from cpaas.reporting.domain import message_created_at
from cpaas.reporting.metrics import EVENTS_APPLIED

log = logging.getLogger(__name__)
MISSING_ATTEMPT_PATIENCE = timedelta(minutes=10)


class AttemptNotYetLogged(Exception):
    """A charge arrived before its attempt row; the batch comes again."""


_ATTEMPTS = """
WITH c AS (
    SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::int[], $4::bigint[])
        AS t(message_id, created_at, attempt, amount)
)
UPDATE message_attempts a SET cost_minor = c.amount, updated_at = now()
FROM c WHERE a.message_id = c.message_id AND a.created_at = c.created_at AND a.attempt = c.attempt
RETURNING a.message_id, a.attempt
"""
_MESSAGES = """
UPDATE messages m SET cost_minor = s.total, currency = $3, updated_at = now()
FROM (
    SELECT message_id, created_at, sum(cost_minor) AS total FROM message_attempts
    WHERE (message_id, created_at) IN (SELECT * FROM unnest($1::text[], $2::timestamptz[]))
    GROUP BY message_id, created_at
) s
WHERE m.message_id = s.message_id AND m.created_at = s.created_at
"""


async def apply_charges(pool: asyncpg.Pool, charges: list[MessageChargedV1], now: datetime) -> None:
    if not charges:
        return
    created = [message_created_at(c.message_id) for c in charges]
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            _ATTEMPTS,
            [c.message_id for c in charges],
            created,
            [c.attempt for c in charges],
            [c.amount_minor for c in charges],
        )
        applied = {(r["message_id"], r["attempt"]) for r in rows}
        by_currency: dict[str, set[tuple[str, datetime]]] = {}
        for charge, created_at in zip(charges, created, strict=True):
            by_currency.setdefault(charge.currency, set()).add((charge.message_id, created_at))
        for currency, messages in by_currency.items():
            await conn.execute(_MESSAGES, [m for m, _ in messages], [c for _, c in messages], currency)
    missing = [
        c
        for c, at in zip(charges, created, strict=True)
        if (c.message_id, c.attempt) not in applied and now - at < MISSING_ATTEMPT_PATIENCE
    ]
    EVENTS_APPLIED.labels("charge", "applied").inc(len(applied))
    if missing:
        raise AttemptNotYetLogged(f"{len(missing)} charges wait for their attempt rows")


def register_costs(broker: KafkaBroker, kafka: KafkaSettings, pool_of, *, group_id: str) -> None:
    @subscribe(
        broker,
        kafka.topic(BILLING_CHARGED.name),
        group_id=group_id,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        batch=True,
        max_records=1000,
        batch_timeout_ms=10,
    )
    async def costs(body: list[Any], msg: KafkaMessage) -> None:
        events = await decode_batch(broker, MessageChargedV1, msg.raw_message)
        await apply_charges(pool_of(), [e.data for e in events], datetime.now(UTC))
