"""A poll written in pipelined chunks (handlers.CHUNK_RECORDS, one transaction each) against
the real PostgreSQL: submits first, whatever the order of the poll; every message in its
final state and counted once in the rollups; a chunk that fails leaves the poll to come
again, and the redelivered poll changes nothing the chunks before the failure had written."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from aiokafka import ConsumerRecord

from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1, new_message_id
from cpaas.contracts.events import envelope
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.settings import KafkaSettings
from cpaas.reporting import handlers
from cpaas.reporting.handlers import MessageLogHandler
from cpaas.reporting.store import MessageLog

S = MessageStatus
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)  # after every message's creation
FINALS = (S.DELIVERED, S.UNDELIVERED, S.SUBMITTED_OPERATOR, S.READ)
ROLLED = (
    "SELECT status, sum(messages)::int AS n FROM rollups WHERE account_id = $1 GROUP BY 1 HAVING sum(messages) <> 0"
)


def poll(kafka: KafkaSettings, account: int, rng: random.Random) -> tuple[list[ConsumerRecord], dict[str, S]]:
    """40 messages' records (statuses before submits, some twice), shuffled; each message's final status."""
    records, finals = [], {}
    for n in range(40):
        message_id = new_message_id()
        final = finals[message_id] = rng.choice(FINALS)
        common = {"message_id": message_id, "account_id": account, "recipient": "+919876543210"}
        channel = Channel.WHATSAPP if final is S.READ else Channel.SMS
        events = [
            MessageSubmittedV1(**common, channel=channel, template_id=1, submitted_at=T0, campaign_id=n % 2 or None)
        ]
        for i, status in enumerate([S.SUBMITTED_OPERATOR] + ([final] if final is not S.SUBMITTED_OPERATOR else [])):
            events.append(MessageStatusChangedV1(**common, channel=channel, status=status, occurred_at=T0 + timedelta(seconds=i + 1)))  # fmt: skip
        events += rng.sample(events, 1)  # one delivered twice
        for e in events:
            topic = SUBMIT_TOPICS[channel].name if isinstance(e, MessageSubmittedV1) else MSG_STATUS.name
            value = envelope(e, source="test", subject=message_id).model_dump_json(by_alias=True).encode()
            records.append(ConsumerRecord(kafka.topic(topic), 0, len(records), 0, 0, message_id.encode(), value, None, 0, 0, ()))  # fmt: skip
    rng.shuffle(records)
    return records, finals


class FailingAt:
    """The message log, whose `fail_at`-th write raises a transient error."""

    def __init__(self, message_log: MessageLog, fail_at: int) -> None:
        self.message_log, self.fail_at, self.writes = message_log, fail_at, 0

    def __getattr__(self, name: str):
        return getattr(self.message_log, name)

    async def write(self, batch) -> None:
        self.writes += 1
        if self.writes == self.fail_at:
            raise asyncpg.DeadlockDetectedError("a transient error")
        await self.message_log.write(batch)


async def state(pool: asyncpg.Pool, account: int) -> tuple[dict[str, str], Counter, int]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT message_id, status FROM messages WHERE account_id = $1", account)
        rolled = Counter({r["status"]: r["n"] for r in await conn.fetch(ROLLED, account)})
        events = await conn.fetchval(
            "SELECT count(*) FROM message_events e JOIN messages m USING (message_id, created_at)"
            " WHERE m.account_id = $1",
            account,
        )
    return {r["message_id"]: r["status"] for r in rows}, rolled, events


async def test_a_poll_in_chunks_writes_each_message_once_and_a_failed_chunk_is_redelivered_harmlessly(
    pool, kafka_settings, monkeypatch
) -> None:
    monkeypatch.setattr(handlers, "CHUNK_RECORDS", 17)  # 140-odd records: eight or nine chunks
    rng = random.Random(5)
    account = rng.randint(6 * 10**9, 7 * 10**9)
    records, finals = poll(kafka_settings, account, rng)
    distinct_events = len({r.value for r in records})
    failing = FailingAt(MessageLog(pool), fail_at=4)
    handler = MessageLogHandler(None, failing, kafka_settings, retention_days=90)  # type: ignore[arg-type]
    with pytest.raises(asyncpg.DeadlockDetectedError):
        await handler.handle(records)
    written, _, _ = await state(pool, account)
    assert 0 < len(written) < len(finals)  # the three chunks before the failure are committed
    await handler.handle(records)  # the poll again, as Kafka redelivers it
    await handler.handle(records[: len(records) // 2])  # and half of it once more
    statuses, rolled, events = await state(pool, account)
    assert statuses == {m: s.value for m, s in finals.items()}
    assert rolled == Counter(s.value for s in finals.values())  # each message counted once, by its final state
    assert events == distinct_events
    chunks = -(-len(records) // 17) + -(-(len(records) // 2) // 17)
    assert failing.writes == 4 + chunks  # one transaction a chunk
