"""Traffic Anomaly figures: the simulator's normal diurnal traffic for `--accounts` accounts
over `--warmup-days` of history and `--days` measured days, with attacks of every type
injected at varied strengths (1-3) on random accounts, through the real service code
(submit and status events -> the subscriber's facts -> the ai schema on the real
PostgreSQL -> the detectors every simulated minute -> alerts). The clock is simulated: each
minute's events are counted, then detection runs for the windows ending at the next minute.

Printed per attack type: recall (an alert of a type that catches it, on its account, while it
runs), the delay from the attack's start to the first detection run that alerted (runs are a
minute apart, so 1 min is the floor), and false alarms per account-day (alerts raised on an
account outside its attacks and the hour after them). Then the events/s the real ai app's
Kafka consumer keeps up with: `--events` events published first, the app started, timed
until all are counted.

Run: uv run python bench/anomaly.py [--accounts 50] [--days 1] [--warmup-days 1] [--attacks 12]
     [--events 100000]
"""

import argparse
import asyncio
import logging
import os
import random
import statistics
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import asyncpg
from bench_kit import drop_database, fresh_database, raw_consume_rate

from cpaas.ai.app import MIGRATIONS, SCHEMA, build_app
from cpaas.ai.detection import Detection
from cpaas.ai.domain.anomaly.facts import status_fact, submit_fact
from cpaas.ai.domain.anomaly.fraud import shipped
from cpaas.ai.domain.anomaly.simulator import (
    ATTACKS,
    CAUGHT_BY,
    Attack,
    SimMessage,
    attack_minute,
    normal_minute,
    plan_attack,
    profiles,
)
from cpaas.ai.settings import AiSettings
from cpaas.ai.store import AnomalyStore
from cpaas.contracts import Channel, MessageStatus, MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.local.infra import LocalInfra
from cpaas.local.pytest_plugin import infra_settings_for_tests
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool
from cpaas.platform.kafka_admin import delete_topics, ensure_topics
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.serve import tune_gc
from cpaas.platform.settings import KafkaSettings

logging.getLogger("cpaas.ai.detection").setLevel(logging.ERROR)  # the guard logs each hold: counted below
START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
QUIET_AFTER = timedelta(minutes=60)  # alerts this long after an attack are its own


def events_of(m: SimMessage) -> tuple[MessageSubmittedV1, MessageStatusChangedV1]:
    message_id = new_message_id(int(m.at.timestamp() * 1000))
    submit = MessageSubmittedV1(
        message_id=message_id,
        account_id=m.account_id,
        channel=Channel.SMS,
        recipient=m.recipient,
        template_id=m.template_id,
        template_name=m.template_name,
        sender_id=m.sender_id,
        variables=m.variables,
        submitted_at=m.at,
    )
    end_of_minute = m.at.replace(second=59, microsecond=999000)
    status = MessageStatusChangedV1(
        message_id=message_id,
        account_id=m.account_id,
        channel=Channel.SMS,
        status=MessageStatus.DELIVERED if m.delivered else MessageStatus.UNDELIVERED,
        recipient=m.recipient,
        occurred_at=min(m.at + timedelta(seconds=5), end_of_minute),
        sender_id=m.sender_id,
        template_id=m.template_id,
        error_code=None if m.delivered else ErrorCode.CARRIER_UNDELIVERABLE,
    )
    return submit, status


def schedule(accounts, first: datetime, last: datetime, rng: random.Random, per_type: int) -> list[Attack]:
    """`per_type` attacks of each type (fewer when they do not fit), on random accounts, never
    overlapping on one account."""
    busy: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
    out = []
    span = max(1, int((last - first).total_seconds() // 60) - 120)
    for kind in ATTACKS:
        placed = tries = 0
        while placed < per_type and tries < 10_000:
            tries += 1
            p = rng.choice(accounts)
            start = first + timedelta(minutes=rng.randint(0, span))
            attack = plan_attack(kind, p, start, rng, rng.uniform(1, 3))
            window = (start - QUIET_AFTER, attack.end + QUIET_AFTER)
            if any(a < window[1] and window[0] < b for a, b in busy[p.account_id]):
                continue
            busy[p.account_id].append(window)
            out.append(attack)
            placed += 1
    return out


async def quality(
    infra: LocalInfra, n_accounts: int, days: float, warmup_days: float, seed: int, per_type: int
) -> None:
    pg = await fresh_database(infra, "bench_anomaly")
    pool = await create_pool(pg, schema=SCHEMA, application_name="bench-anomaly")
    try:
        await apply_migrations(pool, SCHEMA, MIGRATIONS)
        store = AnomalyStore(pool)
        detection = Detection(store, None, shipped())
        rng = random.Random(seed)
        accounts = profiles(n_accounts, seed)
        by_id = {p.account_id: p for p in accounts}
        measured_from = START + timedelta(days=warmup_days)
        end = measured_from + timedelta(days=days)
        attacks = schedule(accounts, measured_from, end, rng, per_type)
        by_account: dict[int, list[Attack]] = defaultdict(list)
        for a in attacks:
            by_account[a.account_id].append(a)
        first_seen: dict[int, datetime] = {}  # id(attack) -> first alerting run
        false_alarms: list[tuple[int, str, datetime]] = []
        held: set[int] = set()  # id(attack) -> the fraud guard held one of its destinations
        false_holds: list[tuple[int, str]] = []
        minute, facts_total, started = START, 0, time.perf_counter()
        detect_seconds: list[float] = []
        while minute < end:
            messages = [m for p in accounts for m in normal_minute(p, minute, rng)]
            for a in attacks:
                if a.start <= minute < a.end:
                    messages += attack_minute(a, by_id[a.account_id], minute, rng)
            facts = []
            for m in messages:
                submit, status = events_of(m)
                facts.append(submit_fact(submit))
                fact = status_fact(status)
                if fact is not None:
                    facts.append(fact)
            facts_total += await store.apply(facts)
            minute += timedelta(minutes=1)
            if minute <= measured_from:
                continue
            t0 = time.perf_counter()
            results = await detection.run(minute)
            detect_seconds.append(time.perf_counter() - t0)
            for result in results:
                for row in result.changed:
                    if row["raised_at"] != minute:
                        continue  # an update of an alert already counted
                    own = [a for a in by_account.get(result.account_id, []) if a.start <= minute <= a.end + QUIET_AFTER]
                    if not own:
                        false_alarms.append((result.account_id, row["alert_type"], minute))
                for hold in result.holds:
                    own = [a for a in by_account.get(result.account_id, []) if a.start <= minute <= a.end + QUIET_AFTER]
                    if own:
                        held.update(id(a) for a in own)
                    else:
                        false_holds.append((result.account_id, f"{hold['subject_type']} {hold['subject']}"))
                for a in by_account.get(result.account_id, []):
                    if id(a) in first_seen or not (a.start < minute <= a.end):
                        continue
                    if CAUGHT_BY[a.kind] & {f.alert_type for f in result.findings}:
                        first_seen[id(a)] = minute
        elapsed = time.perf_counter() - started
        print(
            f"simulated {warmup_days} + {days} days, {n_accounts} accounts, {facts_total} facts counted,"
            f" {len(attacks)} attacks, in {elapsed:.0f} s; detection run p50"
            f" {statistics.median(detect_seconds) * 1000:.0f} ms (all accounts)"
        )
        print(f"{'attack':<22} {'n':>3} {'recall':>7} {'<=1min':>7} {'delay p50':>10} {'delay max':>10}")
        for kind in ATTACKS:
            mine = [a for a in attacks if a.kind == kind]
            delays = [(first_seen[id(a)] - a.start).total_seconds() / 60 for a in mine if id(a) in first_seen]
            within = sum(1 for d in delays if d <= 1)
            print(
                f"{kind:<22} {len(mine):>3} {len(delays) / len(mine):>7.0%} {within / len(mine):>7.0%}"
                f" {statistics.median(delays) if delays else float('nan'):>8.1f} m"
                f" {max(delays) if delays else float('nan'):>8.1f} m"
            )
        all_delays = [(first_seen[id(a)] - a.start).total_seconds() / 60 for a in attacks if id(a) in first_seen]
        print(
            f"{'all':<22} {len(attacks):>3} {len(all_delays) / len(attacks):>7.0%}"
            f" {sum(1 for d in all_delays if d <= 1) / len(attacks):>7.0%}"
        )
        by_type: dict[str, int] = defaultdict(int)
        for _, t, _ in false_alarms:
            by_type[t] += 1
        print(
            f"false alarms: {len(false_alarms)} in {n_accounts * days} account-days ="
            f" {len(false_alarms) / (n_accounts * days):.3f} per account-day {dict(by_type)}"
        )
        threshold = detection.guard.threshold
        held_by = {k: sum(1 for a in attacks if a.kind == k and id(a) in held) for k in ATTACKS}
        print(
            f"fraud guard (hold at probability >= {threshold}): holds on {sum(held_by.values())} of"
            f" {len(attacks)} attacks { ({k: n for k, n in held_by.items() if n}) }; {len(false_holds)} holds on clean"
            f" traffic in {n_accounts * days} account-days"
        )
    finally:
        await pool.close()
        await drop_database(infra, pg)


def machine_busy_seconds() -> float:
    """CPU seconds the whole machine has spent busy (not idle or waiting on I/O), /proc/stat."""
    with open("/proc/stat") as stat:
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, stat.readline().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


async def throughput(infra: LocalInfra, n_events: int, seed: int) -> None:
    pg = await fresh_database(infra, "bench_anomaly")
    kafka = KafkaSettings(
        bootstrap_servers=infra.settings.kafka_bootstrap,
        topic_prefix=f"bench{uuid.uuid4().hex[:6]}.",
        default_partitions=6,
    )
    await ensure_topics(kafka)
    rng = random.Random(seed)
    accounts = profiles(50, seed)
    broker = make_broker(kafka, client_id="bench-anomaly")
    await broker.start()
    try:
        publisher = EventPublisher(broker, kafka, source="bench")
        minute, published = START, 0
        while published < n_events:
            items = []
            for p in accounts:
                for m in normal_minute(p, minute, rng) * 10:
                    submit, status = events_of(m)
                    items.append((SUBMIT_TOPICS[Channel.SMS].name, submit, submit.message_id))
                    items.append((MSG_STATUS.name, status, status.message_id))
            await publisher.publish_many(items)
            published += len(items)
            minute += timedelta(minutes=1)
    finally:
        await broker.stop()
    raw = await raw_consume_rate(kafka, [SUBMIT_TOPICS[Channel.SMS].name, MSG_STATUS.name], published)
    app = build_app(AiSettings(kafka=kafka, postgres=pg, detect_interval_seconds=3600))  # the service's defaults
    conn = await asyncpg.connect(pg.dsn, server_settings={"search_path": "ai,public"})
    try:
        async with app.router.lifespan_context(app):
            tune_gc()  # as cpaas.platform.serve.run does once a service has started
            first_at = first_count = None
            while True:
                await asyncio.sleep(0.1)
                if app.state.anomaly_store is None:
                    continue  # not connected yet
                done = await conn.fetchval("SELECT count(*) FROM counted")
                if first_at is None and done:
                    first_at, first_count = time.perf_counter(), done  # the group has joined
                    first_cpu, first_busy = time.process_time(), machine_busy_seconds()
                if done >= published:
                    break
            elapsed = time.perf_counter() - first_at
            cpu = time.process_time() - first_cpu
            busy = machine_busy_seconds() - first_busy
        rate = (published - first_count) / elapsed
        cpu_us = cpu / (published - first_count) * 1e6
        print(
            f"consumer: {published} events ({first_count} counted in the first poll), the rest in {elapsed:.1f} s"
            f" = {rate:,.0f} events/s; raw limit (a bare aiokafka consumer reading the same topics): {raw:,.0f}"
            f" events/s (ratio {rate / raw:.2f}); the consumer's own CPU {cpu_us:.1f} us per event (the rate"
            f" one core of it alone would allow: {1e6 / cpu_us:,.0f}/s); the whole machine's CPU (every process:"
            f" PostgreSQL, Kafka, this one) {busy / (published - first_count) * 1e6:.1f} us per event, {busy / elapsed:.2f}"
            f" of its {os.cpu_count()} cores busy; load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        await conn.close()
        await delete_topics(kafka)
        await drop_database(infra, pg)


async def main(infra: LocalInfra, args: argparse.Namespace) -> None:
    if not args.skip_quality:
        await quality(infra, args.accounts, args.days, args.warmup_days, args.seed, args.attacks)
    if not args.skip_throughput:
        await throughput(infra, args.events, args.seed)


def cli() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--days", type=float, default=1)
    parser.add_argument("--warmup-days", type=float, default=1)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=24)
    parser.add_argument("--attacks", type=int, default=12, help="attacks of each type")
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    infra = LocalInfra(infra_settings_for_tests())
    infra.start(reuse=True)  # the test servers (started if they are not running)
    asyncio.run(main(infra, args))


if __name__ == "__main__":
    cli()
