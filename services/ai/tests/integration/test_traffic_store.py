"""The subscriber's one statement per chunk (`AnomalyStore.apply`) on the real PostgreSQL:
whatever order and chunking the facts come in, and however often a chunk is redelivered,
every aggregate equals the sums of the distinct facts, computed here the plain way."""

import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from cpaas.ai.app import MIGRATIONS, SCHEMA
from cpaas.ai.domain.anomaly.facts import Fact, status_fact, submit_fact
from cpaas.ai.store import AnomalyStore
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.ids import new_message_id
from cpaas.platform.db import create_pool
from cpaas.platform.migrations import apply_migrations

START = datetime(2026, 12, 1, 9, 58, tzinfo=UTC)  # the traffic crosses an hour


def traffic(rng: random.Random, n: int) -> list[Fact]:
    facts = []
    for i in range(n):
        otp = rng.random() < 0.3
        submitted = MessageSubmittedV1(
            message_id=new_message_id(),
            account_id=rng.choice((7, 8)),
            channel=rng.choice((Channel.SMS, Channel.WHATSAPP)),
            recipient=f"+9198765{rng.randint(0, 2):02d}{rng.randint(0, 9999):04d}",
            template_id=rng.choice((1, 2)),
            template_name="login_otp" if otp else "offer",
            sender_id=rng.choice(("BRAND", None)),
            variables={"otp": f"{i:06d}"} if otp else {"name": rng.choice(("a", "b"))},
            submitted_at=START + timedelta(seconds=rng.uniform(0, 300)),
        )
        facts.append(submit_fact(submitted))
        outcome = rng.choice((MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.SUBMITTED_OPERATOR))
        status = status_fact(
            MessageStatusChangedV1(
                message_id=submitted.message_id,
                account_id=submitted.account_id,
                channel=submitted.channel,
                status=outcome,
                recipient=submitted.recipient,
                occurred_at=submitted.submitted_at + timedelta(seconds=rng.uniform(0, 90)),
                error_code=rng.choice((ErrorCode.RECIPIENT_BLACKLISTED, ErrorCode.CARRIER_UNDELIVERABLE))
                if outcome is MessageStatus.UNDELIVERED
                else None,
                sender_id=submitted.sender_id,
                template_id=submitted.template_id,
            )
        )
        if status is not None:
            facts.append(status)
    return facts


def expected(facts: list[Fact]) -> dict[str, Counter]:
    """The aggregates, summed fact by fact."""
    out: dict[str, Counter] = defaultdict(Counter)
    for f in facts:
        counts = (f.submitted, f.otp, f.delivered, f.failed, f.blacklisted)
        key = (f.minute, f.account_id, f.channel, f.sender_id, f.country, f.prefix, f.template_id)
        hour = (f.minute.replace(minute=0), f.account_id, f.sender_id)
        for i, name in enumerate(("submitted", "otp", "delivered", "failed", "blacklisted")):
            out["traffic"][(*key, name)] += counts[i]
            out["hour"][(*hour, name)] += counts[i]
        if f.submitted:
            out["destinations"][(f.account_id, f.prefix)] += 1
        if f.otp_recipient:
            out["otp"][(f.minute, f.account_id, f.otp_recipient)] += 1
        if f.content:
            out["content"][(f.minute, f.account_id, f.sender_id, f.content)] += 1
    return {k: +v for k, v in out.items()}  # zero counts dropped


async def stored(conn: asyncpg.Connection) -> dict[str, Counter]:
    out: dict[str, Counter] = defaultdict(Counter)
    for r in await conn.fetch("SELECT * FROM traffic_minute"):
        key = (r["minute"], r["account_id"], r["channel"], r["sender_id"], r["country"], r["prefix"], r["template_id"])
        for name in ("submitted", "otp", "delivered", "failed", "blacklisted"):
            out["traffic"][(*key, name)] += r[name]
    for r in await conn.fetch("SELECT * FROM sender_hour"):
        for name in ("submitted", "otp", "delivered", "failed", "blacklisted"):
            out["hour"][(r["hour"], r["account_id"], r["sender_id"], name)] += r[name]
    for r in await conn.fetch("SELECT account_id, prefix, submitted FROM destinations"):
        out["destinations"][(r["account_id"], r["prefix"])] += r["submitted"]
    for r in await conn.fetch("SELECT minute, account_id, recipient, messages FROM otp_minute"):
        out["otp"][(r["minute"], r["account_id"], r["recipient"])] += r["messages"]
    for r in await conn.fetch("SELECT minute, account_id, sender_id, content_hash, messages FROM content_minute"):
        out["content"][(r["minute"], r["account_id"], r["sender_id"], r["content_hash"])] += r["messages"]
    return {k: +v for k, v in out.items()}


@pytest.mark.parametrize("seed", [1, 2])
async def test_redelivered_and_reordered_chunks_add_up_to_the_distinct_facts(pg_settings, seed):
    rng = random.Random(seed)
    facts = traffic(rng, 600)
    pool = await create_pool(pg_settings, schema=SCHEMA, application_name="test")
    try:
        await apply_migrations(pool, SCHEMA, MIGRATIONS)
        store = AnomalyStore(pool)
        deliveries = facts + rng.sample(facts, 300)  # a third of them redelivered
        rng.shuffle(deliveries)
        new, i = 0, 0
        while i < len(deliveries):
            size = rng.randint(1, 120)
            chunk = deliveries[i : i + size]
            new += await store.apply(chunk + chunk[: rng.randint(0, 3)])  # repeats inside a chunk too
            if rng.random() < 0.2:
                assert await store.apply(chunk) == 0  # a chunk redelivered whole counts nothing
            i += size
        assert new == len(facts)
        assert await store.apply([]) == 0
        async with pool.acquire() as conn:
            assert await conn.fetchval("SELECT count(*) FROM counted") == len(facts)
            got = await stored(conn)
        want = expected(facts)
        assert got == want
        assert sum(v for k, v in want["hour"].items() if k[-1] == "submitted") == 600
        assert len({k[0] for k in want["hour"]}) == 2  # both hours, each summed on its own
    finally:
        await pool.close()
