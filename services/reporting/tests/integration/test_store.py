"""The message log's SQL against the real PostgreSQL: batches of one message written
concurrently, in any order and any split, converge to the same rows."""

import asyncio
import random
from datetime import UTC, datetime, timedelta

import asyncpg

from cpaas.contracts import Channel, FallbackLevel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts import new_message_id as new_id
from cpaas.reporting.domain import Item, plan_batch, status_update, submit_update
from cpaas.reporting.store import UPSERT_MESSAGES, MessageLog, _message_tuple

# the columns UPSERT_MESSAGES writes, in the order of store._message_tuple
MESSAGE_COLUMNS = tuple(
    c.strip() for c in UPSERT_MESSAGES.split("INSERT INTO messages AS m (", 1)[1].split(")", 1)[0].split(",")
)

S = MessageStatus
# after every message's creation: times before it are shown as its creation (migration 0007)
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
RECIPIENT = "+919876543210"


def lifecycle(message_id: str) -> list[Item]:
    """RCS fails, WhatsApp delivers and is read: seven events over two attempts."""

    def submit(channel: Channel, attempt: int, fallback: list[FallbackLevel]) -> Item:
        data = MessageSubmittedV1(
            message_id=message_id,
            account_id=1,
            channel=channel,
            recipient=RECIPIENT,
            template_id=attempt,
            attempt=attempt,
            fallback=fallback,
            submitted_at=T0 + timedelta(seconds=(attempt - 1) * 20),
        )
        return submit_update(f"{message_id}-submit-{attempt}", data)

    def status(status: S, channel: Channel, attempt: int, second: int) -> Item:
        data = MessageStatusChangedV1(
            message_id=message_id,
            account_id=1,
            channel=channel,
            attempt=attempt,
            status=status,
            recipient=RECIPIENT,
            occurred_at=T0 + timedelta(seconds=second),
            error_code="CARRIER_REJECTED" if status is S.FAILED else None,
        )
        return status_update(f"{message_id}-{status}-{attempt}", data)

    return [
        submit(Channel.RCS, 1, [FallbackLevel(channel=Channel.WHATSAPP, template_id=2)]),
        status(S.SUBMITTED_OPERATOR, Channel.RCS, 1, 1),
        status(S.FAILED, Channel.RCS, 1, 2),
        submit(Channel.WHATSAPP, 2, []),
        status(S.SUBMITTED_OPERATOR, Channel.WHATSAPP, 2, 21),
        status(S.DELIVERED, Channel.WHATSAPP, 2, 22),
        status(S.READ, Channel.WHATSAPP, 2, 23),
    ]


async def test_concurrent_batches_of_one_message_converge(pool: asyncpg.Pool) -> None:
    rng = random.Random(3)
    message_log = MessageLog(pool)
    message_ids = []
    for _ in range(30):
        message_id = new_id()
        message_ids.append(message_id)
        items = lifecycle(message_id)
        items += rng.sample(items, 3)  # some events delivered twice
        rng.shuffle(items)
        cuts = sorted(rng.sample(range(1, len(items)), 3))
        batches = [items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)], strict=True)]
        await asyncio.gather(*(message_log.apply(plan_batch(batch)) for batch in batches))
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM messages WHERE message_id = ANY($1)", message_ids)
        attempts = await conn.fetch("SELECT status FROM message_attempts WHERE message_id = ANY($1)", message_ids)
        events = await conn.fetchval("SELECT count(*) FROM message_events WHERE message_id = ANY($1)", message_ids)
    assert len(rows) == 30
    for row in rows:
        assert (row["status"], row["attempt"], row["channel"], row["primary_channel"]) == (
            "READ",
            2,
            "WHATSAPP",
            "RCS",
        )
        assert (row["sent_at"], row["delivered_at"], row["read_at"]) == tuple(
            T0 + timedelta(seconds=s) for s in (1, 22, 23)
        )
        assert (row["template_id"], row["fallback_levels"], row["error_code"]) == (2, 1, None)
        assert row["submitted_at"] == T0
    assert sorted(a["status"] for a in attempts) == ["FAILED"] * 30 + ["READ"] * 30
    assert events == 30 * 7


async def test_a_batch_written_twice_at_once_changes_nothing_the_second_time(pool: asyncpg.Pool) -> None:
    message_log = MessageLog(pool)
    plan = plan_batch([item for _ in range(50) for item in lifecycle(new_id())])
    await asyncio.gather(message_log.apply(plan), message_log.apply(plan))
    async with pool.acquire() as conn:
        before = await conn.fetch("SELECT message_id, updated_at, status FROM messages ORDER BY message_id")
        await message_log.apply(plan)
        after = await conn.fetch("SELECT message_id, updated_at, status FROM messages ORDER BY message_id")
    assert before == after  # nothing rewritten: updated_at unchanged
    assert {r["status"] for r in after} == {"READ"}


async def test_a_new_messages_row_is_inserted_as_the_projection_leaves_it(pool: asyncpg.Pool) -> None:
    """A batch's projection of a new message (domain._project) is the row PROJECT_MESSAGES
    makes, so the row is inserted once and not rewritten: here with provider times before
    the message's creation, which lift its shown times and its status time."""
    message_id = new_id()
    created = datetime.now(UTC).replace(microsecond=0)  # the id's time is later, within the second
    early = created - timedelta(minutes=3)
    common = {"message_id": message_id, "account_id": 1, "recipient": RECIPIENT, "channel": Channel.SMS}
    items = [
        submit_update("s", MessageSubmittedV1(**common, template_id=1, submitted_at=early)),
        status_update("o", MessageStatusChangedV1(**common, status=S.SUBMITTED_OPERATOR, occurred_at=early)),
        status_update("d", MessageStatusChangedV1(**common, status=S.DELIVERED, occurred_at=early)),
    ]
    plan = plan_batch(items)
    await MessageLog(pool).apply(plan)
    async with pool.acquire() as conn:
        row = await conn.fetchrow("SELECT * FROM messages WHERE message_id = $1", message_id)
        attempt = await conn.fetchrow("SELECT * FROM message_attempts WHERE message_id = $1", message_id)
    [projected] = plan.messages
    assert row["status_at"] == projected.latest.status_at == attempt["status_at"] == row["created_at"]
    assert (row["sent_at"], row["delivered_at"]) == (projected.sent_at, projected.delivered_at)
    assert tuple(row[c] for c in MESSAGE_COLUMNS) == _message_tuple(projected)
