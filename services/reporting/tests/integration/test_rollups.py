"""The rollups (migration 0008) through the real reporting consumer: redelivered,
duplicated and out-of-order submits and statuses, a fallback level changing the channel,
a campaign id arriving after the first status, a late receipt correcting an expiry. Each
message counts once, by its final state, and the rollups always equal a scan of the log."""

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg

from cpaas.contracts import Channel, FallbackLevel, MessageStatus, new_message_id
from cpaas.reporting.store import MessageLog

S = MessageStatus
T0 = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)

# the log's rows counted by the rollups' key (what rebuild_rollups computes)
LOG_SCAN = """
SELECT account_id, rollup_bucket(created_at) AS bucket, channel, status, COALESCE(sender_id, '') AS sender_id,
    COALESCE(campaign_id, 0) AS campaign_id, COALESCE(error_code, '') AS error_code, count(*) AS n
FROM messages {where} GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
ROLLUPS = """
SELECT account_id, bucket, channel, status, sender_id, campaign_id, error_code, messages AS n
FROM rollups {where} AND messages <> 0
"""


def at(seconds: int) -> datetime:
    return T0 + timedelta(seconds=seconds)


async def log_and_rollups(db: asyncpg.Connection, account_id: int | None = None) -> tuple[Counter, Counter]:
    """Both, read in one snapshot (a batch commits its rollups with its rows)."""
    where, args = ("WHERE account_id = $1", [account_id]) if account_id else ("WHERE true", [])
    if account_id is None:  # other tests insert log rows with SQL: their deltas wait for maintenance's flush
        await db.execute("SELECT flush_rollups(true)")
    async with db.transaction(isolation="repeatable_read", readonly=True):
        scan = await db.fetch(LOG_SCAN.format(where=where), *args)
        rolled = await db.fetch(ROLLUPS.format(where=where), *args)
    return Counter({_key(r): r["n"] for r in scan}), Counter({_key(r): r["n"] for r in rolled})


def _key(r) -> tuple:
    return tuple(r[c] for c in ("account_id", "bucket", "channel", "status", "sender_id", "campaign_id", "error_code"))


def for_account(event, account_id: int):
    return event.model_copy(update={"account_id": account_id})


async def test_redelivered_and_out_of_order_events_count_each_message_once(harness, submitted, status) -> None:
    account = random.randint(10**9, 2 * 10**9)
    delivered, fell_back, late_campaign, corrected, failed = (new_message_id() for _ in range(5))
    fallback = [FallbackLevel(channel=Channel.SMS, template_id=15)]
    events = [
        # delivered, its statuses before its submit and twice
        status(delivered, S.DELIVERED, occurred_at=at(5)),
        status(delivered, S.SUBMITTED_OPERATOR, occurred_at=at(2), carrier_message_id="c-1"),
        submitted(delivered, campaign_id=31),
        status(delivered, S.DELIVERED, occurred_at=at(5)),
        # RCS fails, the SMS level delivers: the channel, status and error change
        submitted(fell_back, channel=Channel.RCS, fallback=fallback),
        status(fell_back, S.FAILED, channel=Channel.RCS, occurred_at=at(1), error_code="CARRIER_REJECTED"),
        submitted(fell_back, channel=Channel.SMS, attempt=2, template_id=15),
        status(fell_back, S.SUBMITTED_OPERATOR, channel=Channel.SMS, attempt=2, occurred_at=at(3)),
        status(fell_back, S.DELIVERED, channel=Channel.SMS, attempt=2, occurred_at=at(4)),
        status(fell_back, S.FAILED, channel=Channel.RCS, occurred_at=at(1), error_code="CARRIER_REJECTED"),
        # the campaign id comes with the submit, after the first status
        status(late_campaign, S.SUBMITTED_OPERATOR, occurred_at=at(1)),
        submitted(late_campaign, campaign_id=32),
        status(late_campaign, S.UNDELIVERED, occurred_at=at(9), error_code="CARRIER_REJECTED"),
        # an expiry, then the late receipt, then the expiry redelivered
        submitted(corrected),
        status(corrected, S.UNDELIVERED, occurred_at=at(60), error_code="RECEIPT_EXPIRED"),
        status(corrected, S.FAILED, occurred_at=at(60), error_code="RECEIPT_EXPIRED"),
        status(corrected, S.DELIVERED, occurred_at=at(90)),
        status(corrected, S.UNDELIVERED, occurred_at=at(60), error_code="RECEIPT_EXPIRED"),
        submitted(failed),
        status(failed, S.FAILED, occurred_at=at(2), error_code="CARRIER_UNDELIVERABLE"),
    ]
    events = [for_account(e, account) for e in events]
    async with harness.service():
        # in three bursts, each a shuffled half again, so batches split and repeat the history
        await harness.publish(*events)
        await harness.publish(*random.sample(events, len(events) // 2))
        await harness.wait_for_message(delivered, status="DELIVERED", campaign_id=31)
        await harness.wait_for_message(fell_back, status="DELIVERED", channel="SMS")
        await harness.wait_for_message(late_campaign, status="UNDELIVERED", campaign_id=32)
        await harness.wait_for_message(corrected, status="DELIVERED")
        await harness.wait_for_message(failed, status="FAILED")
        await harness.publish(*random.sample(events, len(events)))
        await asyncio.sleep(1.5)  # the redelivery consumed
        scan, rolled = await log_and_rollups(harness.db, account)
        everywhere = await log_and_rollups(harness.db)

    assert rolled == scan
    assert everywhere[1] == everywhere[0]  # every account's, whatever the other tests wrote
    totals = await harness.db.fetch(
        "SELECT bucket, channel, status, campaign, messages FROM rollup_totals WHERE account_id = $1 AND messages <> 0",
        account,
    )
    expected = Counter()
    for (_, bucket, channel, state, _, campaign, _), n in scan.items():
        expected[(bucket, channel, state, campaign != 0)] += n
    assert Counter({(r["bucket"], r["channel"], r["status"], r["campaign"]): r["messages"] for r in totals}) == expected
    by_status = Counter()
    for (_, _, channel, state, _, campaign, error), n in rolled.items():
        by_status[(channel, state, campaign, error)] += n
    assert sum(rolled.values()) == 5  # five messages, each once
    assert by_status == Counter(
        {
            ("SMS", "DELIVERED", 31, ""): 1,
            ("SMS", "DELIVERED", 0, ""): 2,  # the fallback's (no longer RCS FAILED) and the corrected expiry
            ("SMS", "UNDELIVERED", 32, "CARRIER_REJECTED"): 1,
            ("SMS", "FAILED", 0, "CARRIER_UNDELIVERABLE"): 1,
        }
    )


async def test_rebuild_from_the_log_equals_the_maintained_rollups(harness, submitted, status) -> None:
    account = random.randint(2 * 10**9, 3 * 10**9)
    ids = [new_message_id() for _ in range(6)]
    events, finals = [], {}
    for n, message_id in enumerate(ids):
        events.append(for_account(submitted(message_id, campaign_id=40 + n % 2), account))
        finals[message_id] = (S.DELIVERED, S.UNDELIVERED, S.SUBMITTED_OPERATOR)[n % 3]
        events.append(for_account(status(message_id, finals[message_id], occurred_at=at(n)), account))
    async with harness.service():
        await harness.publish(*events)
        for message_id in ids:
            await harness.wait_for_message(
                message_id, status=finals[message_id].value, campaign_id=40 + ids.index(message_id) % 2
            )
        before = await log_and_rollups(harness.db, account)
        pool = await asyncpg.create_pool(harness.settings.postgres.dsn, min_size=1, max_size=1,
                                         server_settings={"search_path": "reporting,public"})  # fmt: skip
        try:
            written = await MessageLog(pool).rebuild_rollups()
        finally:
            await pool.close()
        after = await log_and_rollups(harness.db, account)
    assert written > 0
    assert before[1] == before[0] == after[1]
    assert sum(after[1].values()) == len(ids)
