"""Two replicas given the same batch (a partition moving between them in a rebalance)
send each attempt once: the kit's send lease (cpaas.connector_kit.sends) over the real
PostgreSQL, with the SMS connector's store and a provider that records its sends."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from prometheus_client import CollectorRegistry, Counter

import cpaas.sms_connector
from cpaas.connector_kit.sending import NotSent, SendCounts, SendPipeline
from cpaas.connector_kit.sends import ACCEPTED, SENDING, SendResult, key_of
from cpaas.contracts import Channel, MessageSubmittedV1, new_message_id
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.settings import PostgresSettings
from cpaas.sms_connector.store import SmsStore

SEND_SECONDS = 0.3  # each send: long enough for the other replica to get the same batch meanwhile


class Carrier:
    """A provider that takes every message after SEND_SECONDS and records it."""

    def __init__(self) -> None:
        self.received: list[str] = []

    async def prepare(self, events: Sequence[MessageSubmittedV1], claims) -> list:
        return [Prepared(e) for e in events]

    async def send(self, item: "Prepared") -> SendResult:
        await asyncio.sleep(SEND_SECONDS)
        e = item.event
        self.received.append(e.message_id)
        return SendResult(e.message_id, e.attempt, ACCEPTED, datetime.now(UTC), provider_message_id=f"c-{e.message_id}")


@dataclass(frozen=True)
class Prepared:
    event: MessageSubmittedV1


class Published:
    def __init__(self) -> None:
        self.statuses: list = []

    async def publish_many(self, records) -> None:
        self.statuses.extend(records)


@pytest.fixture
async def pool(pg_settings: PostgresSettings) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(pg_settings, schema="sms", application_name="test")
    try:
        await apply_migrations(pool, "sms", Path(cpaas.sms_connector.__file__).parent / "migrations")
        yield pool
    finally:
        await pool.close()


def replica(pool: asyncpg.Pool, carrier: Carrier, published: Published) -> SendPipeline:
    counter = Counter("sends", "sends", ["outcome"], registry=CollectorRegistry())
    return SendPipeline(SmsStore(pool), published, carrier, SendCounts(counter), receipt_deadline_seconds=60)


def event(recipient: str) -> MessageSubmittedV1:
    return MessageSubmittedV1(
        message_id=new_message_id(),
        account_id=1,
        channel=Channel.SMS,
        recipient=recipient,
        template_id=1,
        sender_id="ACMEIN",
        variables={"1": "482913"},
        submitted_at=datetime.now(UTC),
    )


async def test_two_replicas_given_one_batch_at_once_send_each_message_once(pool) -> None:
    carrier, published = Carrier(), Published()
    first, second = replica(pool, carrier, published), replica(pool, carrier, published)
    batch = [event(f"+9198765432{n:02d}") for n in range(5)]
    sending = asyncio.create_task(first.send_batch(batch))
    await asyncio.sleep(SEND_SECONDS / 3)  # the first replica is mid-send
    with pytest.raises(NotSent):
        await second.send_batch(batch)  # left to the first: the batch will come again
    await sending
    await second.send_batch(batch)  # again, once the first wrote its results: nothing to send
    assert sorted(carrier.received) == sorted(e.message_id for e in batch)
    assert sorted(s[2] for s in published.statuses) == sorted(e.message_id for e in batch)  # announced once


async def test_a_replica_sends_its_own_unfinished_attempt_again_at_once(pool) -> None:
    store = SmsStore(pool)
    e = event("+919876543299")
    assert (await store.claim([e]))[key_of(e)].state == SENDING
    assert (await store.claim([e]))[key_of(e)].state == SENDING  # a transient failure: its own to retry


async def test_an_attempt_whose_sender_died_is_taken_over_once_its_lease_ran_out(pool) -> None:
    dead, alive = SmsStore(pool), SmsStore(pool)
    dead.lease_seconds = 0.5
    e = event("+919876543298")
    await dead.claim([e])  # then the process was killed before writing the result
    assert key_of(e) not in await alive.claim([e])
    await asyncio.sleep(0.6)
    assert (await alive.claim([e]))[key_of(e)].state == SENDING  # sent again, by the live replica
    assert key_of(e) not in await dead.claim([e])  # and no longer by the other, should it come back
