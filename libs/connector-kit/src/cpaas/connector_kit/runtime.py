"""A connector's app: its subscribers, its lifespan, its ops endpoints.

    kit = ConnectorKit(settings, schema="wa", migrations=MIGRATIONS, retention=RETENTION, broker=broker)
    kit.on_submits(Channel.WHATSAPP, lambda wa, events: wa.sending.send_batch(events), group_id="wa-connector")
    app = kit.app("CPaaS WhatsApp connector", start=start)   # start(parts) -> the connector's parts

Subscribers and routes are registered when the app is built; what they need exists only
once the lifespan ran `start`, and they reach it through `kit.started()`.

Start: the pool (the connector's schema first on its search path) and migrations, the
retention sweep, the console's data (`cpaas.control_plane`) and its LISTEN, the connector's own `start` (its
provider, clients, background work), the broker (subscribers and producer), then the
receipt-deadline sweeper; ready. Stop, the reverse, so nothing in flight is lost:
readiness drops, the sweeper stops (a round in flight rolls back), the subscribers finish
their batch in flight and commit it, the connector's drain steps run (the producer is
still up), the broker stops and flushes, then what `start` opened, the LISTEN, the
retention sweep and the pool close.
"""

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

import asyncpg
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.connector_kit.settings import ConnectorSettings
from cpaas.connector_kit.subscriptions import subscribe_submits, subscribe_template_submissions
from cpaas.contracts import Channel, CloudEvent, MessageSubmittedV1
from cpaas.contracts.events import TemplateSubmittedV1
from cpaas.control_plane import ControlPlane
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool, ping
from cpaas.platform.deadlines import DeadlineSweeper, start_deadline_sweeper, stop_deadline_sweeper
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, ReadinessCheck, mount_ops
from cpaas.platform.retention import start_sweeping, stop_sweeping
from cpaas.platform.secretbox import SecretBox
from cpaas.platform.serve import broker_lifespan

T = TypeVar("T")


class NotStarted(RuntimeError):
    """A handler ran before the lifespan built what it needs (or after it stopped)."""


class Started(Generic[T]):
    """What the lifespan built, for the subscribers and routes registered before it ran."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._value: T | None = None

    def __call__(self) -> T:
        if self._value is None:
            raise NotStarted(f"{self.service} has not started")
        return self._value

    def set(self, value: T | None) -> None:
        self._value = value


@dataclass
class Parts:
    """What the kit opened for the connector's `start`."""

    settings: ConnectorSettings
    app: FastAPI
    pool: asyncpg.Pool
    publisher: EventPublisher
    health: HealthState
    control: ControlPlane  # the console's data: templates, sender IDs, WABA numbers, bots
    stack: AsyncExitStack  # what `start` opens, closed (last in, first out) after the broker stopped
    drain: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    sweeper: DeadlineSweeper | None = None

    def on_drain(self, step: Callable[[], Awaitable[None]]) -> None:
        """Run `step` at stop, once the subscribers have finished, while the producer is up."""
        self.drain.append(step)

    def sweep_deadlines(self, sweeper: DeadlineSweeper) -> None:
        """Run the receipt-deadline sweeper while the app runs (from the broker's start)."""
        self.sweeper = sweeper

    def check(self, name: str, check: ReadinessCheck) -> None:
        """One more readiness check (/readyz) beside PostgreSQL and Kafka."""
        self.health.add_check(name, check)


class ConnectorKit(Generic[T]):
    def __init__(
        self,
        settings: ConnectorSettings,
        *,
        schema: str,
        migrations: Path,
        retention: Sequence[str],
        secrets_key: str | None = None,
        broker: KafkaBroker | None = None,
        db: asyncpg.Pool | None = None,
    ) -> None:
        """`secrets_key` opens the provider credentials the console sealed (WABA tokens, bot
        secrets). `broker` and `db` replace the ones the kit would open (tests); a given
        pool is not closed with the app."""
        self.settings, self.schema, self.migrations, self.retention = settings, schema, migrations, retention
        self.broker = broker or make_broker(
            settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
        )
        self.publisher = EventPublisher(self.broker, settings.kafka, source=settings.service_name)
        self.health = HealthState()
        self.started: Started[T] = Started(settings.service_name)
        self.db, self.secrets_key = db, secrets_key
        self._subscribers: list[Any] = []

    def on_submits(
        self,
        channel: Channel,
        handle: Callable[[T, Sequence[MessageSubmittedV1]], Awaitable[None]],
        *,
        group_id: str,
    ) -> None:
        """Batches of the channel's submit events to `handle(started, events)`."""

        async def handle_batch(events: Sequence[MessageSubmittedV1]) -> None:
            await handle(self.started(), events)

        self._subscribers.append(
            subscribe_submits(
                self.broker,
                self.settings.kafka,
                channel,
                handle_batch,
                group_id=group_id,
                max_records=self.settings.batch_max_records,
                batch_timeout_ms=self.settings.batch_timeout_ms,
            )
        )

    def on_template_submitted(
        self, handle: Callable[[T, CloudEvent[TemplateSubmittedV1]], Awaitable[None]], *, group_id: str
    ) -> None:
        """Each `template.submitted` to `handle(started, event)`."""

        async def handle_one(event: CloudEvent[TemplateSubmittedV1]) -> None:
            await handle(self.started(), event)

        self._subscribers.append(
            subscribe_template_submissions(self.broker, self.settings.kafka, handle_one, group_id=group_id)
        )

    def app(self, title: str, *, start: Callable[[Parts], Awaitable[T]]) -> FastAPI:
        """The app; `start(parts)` builds the connector's parts once the pool is open."""

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            async with AsyncExitStack() as stack:
                parts = await self._open(app, stack)
                self.started.set(await start(parts))
                stack.callback(self.started.set, None)
                await stack.enter_async_context(broker_lifespan(self.broker, self.health))
                stack.push_async_callback(_run_all, parts.drain)
                stack.push_async_callback(_stop_all, self._subscribers)
                if parts.sweeper is not None:
                    stack.push_async_callback(stop_deadline_sweeper, start_deadline_sweeper(parts.sweeper))
                self.health.started = True
                try:
                    yield
                finally:
                    self.health.draining = True

        app = FastAPI(title=title, lifespan=lifespan)
        install_error_handlers(app)
        mount_ops(app, self.health)
        return app

    async def _open(self, app: FastAPI, stack: AsyncExitStack) -> Parts:
        settings = self.settings
        pool = self.db
        if pool is None:
            pool = await create_pool(settings.postgres, schema=self.schema, application_name=settings.service_name)
            stack.push_async_callback(pool.close)
        await apply_migrations(pool, self.schema, self.migrations)
        stack.push_async_callback(
            stop_sweeping, start_sweeping(pool, self.retention, keep_days=settings.retention_days)
        )
        control = ControlPlane(
            pool,
            ttl_seconds=settings.cache_ttl_seconds,
            open_secret=SecretBox(self.secrets_key).open if self.secrets_key else None,
        )
        listener = control.listener(settings.postgres.dsn)
        await listener.start()
        stack.push_async_callback(listener.stop)
        self.health.add_check("postgres", lambda: ping(pool))
        return Parts(settings, app, pool, self.publisher, self.health, control, stack)


async def _run_all(steps: Sequence[Callable[[], Awaitable[None]]]) -> None:
    for step in steps:
        await step()


async def _stop_all(subscribers: Sequence[Any]) -> None:
    for subscriber in subscribers:
        await subscriber.stop()
