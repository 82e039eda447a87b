"""The msg.status subscriber: each campaign message's final state, counted once.

Group `campaigns` (a setting), batches, MANUAL acknowledgement: the offsets are
committed only after the batch's outcomes are committed to PostgreSQL; on an error the
batch is sought back and comes again (harmless: outcomes are keyed by message and only
ever upgraded). Records that are not valid events go to the DLQ alone. Events of other
messages (not from a campaign) are skipped without a database round trip.
"""

import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker

from cpaas.campaigns.domain.outcomes import merge, outcome_of
from cpaas.campaigns.store import CampaignStore
from cpaas.contracts import MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.broker import BatchMessage, decode_batch, subscribe
from cpaas.platform.settings import KafkaSettings

log = logging.getLogger(__name__)


async def apply_statuses(broker: KafkaBroker, store: CampaignStore, records: Sequence[ConsumerRecord]) -> int:
    """Count the final outcomes in one poll's records; returns how many were campaign outcomes."""
    events = await decode_batch(broker, MessageStatusChangedV1, records)
    outcomes = merge([o for o in (outcome_of(e.data) for e in events) if o is not None])
    await store.apply_outcomes(outcomes)
    return len(outcomes)


def register_status_subscriber(
    broker: KafkaBroker,
    store_of: Any,
    kafka: KafkaSettings,
    *,
    group_id: str,
    max_records: int,
    batch_timeout_ms: int,
    linger_ms: int = 0,
) -> None:
    """`store_of()` gives the store once the app has started (the subscriber is declared before)."""

    @subscribe(
        broker,
        kafka.topic(MSG_STATUS.name),
        group_id=group_id,
        ack_policy=AckPolicy.MANUAL,
        linger_ms=linger_ms,
        batch=True,
        max_records=max_records,
        batch_timeout_ms=batch_timeout_ms,
    )
    async def campaign_outcomes(body: list[Any], msg: BatchMessage) -> None:
        try:
            await apply_statuses(broker, store_of(), msg.raw_message)
        except BaseException:
            await msg.nack()  # seek back: the batch comes again
            raise
        await msg.ack()
