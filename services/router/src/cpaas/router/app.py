"""Composition root of the router."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage

from cpaas.contracts import MessageStatusChangedV1, MessageSubmittedV1
from cpaas.contracts.topics import MSG_STATUS, SUBMIT_TOPICS
from cpaas.platform.broker import EventPublisher, PoisonRecord, dead_letter, decode_event, make_broker, subscribe
from cpaas.platform.db import create_pool, ping
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import broker_lifespan
from cpaas.router import store
from cpaas.router.handlers import Router
from cpaas.router.settings import RouterSettings

log = logging.getLogger(__name__)
SCHEMA = "router"
MIGRATIONS = Path(__file__).parent / "migrations"
MAX_RECORDS = 500
PARKED_SWEEP_EVERY = 120  # timer rounds


def register(broker: KafkaBroker, settings: RouterSettings, router_of: Any) -> None:
    status_topic = settings.kafka.topic(MSG_STATUS.name)
    topics = [settings.kafka.topic(t.name) for t in SUBMIT_TOPICS.values()] + [status_topic]

    @subscribe(
        broker,
        *topics,
        group_id="router",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        batch=True,
        max_records=MAX_RECORDS,
        batch_timeout_ms=5,
    )
    async def handle(body: list[Any], msg: KafkaMessage) -> None:
        submits, statuses = [], []
        for record in msg.raw_message:
            model = MessageStatusChangedV1 if record.topic == status_topic else MessageSubmittedV1
            try:
                event = decode_event(model, record.value)
            except PoisonRecord as exc:
                await dead_letter(broker, record, exc)
                continue
            (statuses if model is MessageStatusChangedV1 else submits).append(event.data)
        await router_of().apply(submits, statuses)


async def _timers(router: Router, settings: RouterSettings) -> None:
    rounds = 0
    while True:
        try:
            while await router.fire_due():
                pass
            rounds += 1
            if rounds % PARKED_SWEEP_EVERY == 0:
                await store.expire_parked(router.pool, settings.early_status_retention_seconds)
        except Exception:
            log.exception("timer round failed; retrying")
        await asyncio.sleep(settings.timer_interval_seconds)


def build_app(settings: RouterSettings, *, broker: KafkaBroker | None = None) -> FastAPI:
    health = HealthState()
    broker = broker or make_broker(settings.kafka, client_id="router", graceful_timeout=settings.shutdown_grace_seconds)
    holder: dict[str, Router] = {}
    register(broker, settings, lambda: holder["router"])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await create_pool(settings.postgres, schema=SCHEMA, application_name="router")
            stack.push_async_callback(pool.close)
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            health.add_check("postgres", lambda: ping(pool))
            holder["router"] = Router(pool, EventPublisher(broker, settings.kafka, source="router"), settings)
            await stack.enter_async_context(broker_lifespan(broker, health))
            timers = asyncio.create_task(_timers(holder["router"], settings))
            health.started = True
            try:
                yield
            finally:
                health.draining = True
                timers.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await timers

    app = FastAPI(title="CPaaS router", lifespan=lifespan)
    app.state.router = holder
    mount_ops(app, health)
    return app
