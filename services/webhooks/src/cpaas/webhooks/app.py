"""Composition root of the webhooks service: the msg.status subscriber that queues
receipts, the dispatcher that POSTs them, the internal delivery-log API and the ops
endpoints.

`build_app` builds the subscriber from the settings and the parts a test passes in; the
pool, the console's change listener (cpaas.control_plane), the dispatcher and the broker
are opened in the lifespan.

Shutdown order: readiness drops; the subscriber stops (its batch in flight is committed);
the dispatcher stops claiming and finishes its POSTs in flight; then the LISTEN
connection and the pool close.
"""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.contracts.topics import MSG_STATUS
from cpaas.control_plane import ControlPlane
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import make_broker
from cpaas.platform.db import ping, service_pool
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.secretbox import SecretBox
from cpaas.platform.serve import broker_lifespan
from cpaas.platform.started import Started, started
from cpaas.webhooks.api.deliveries import router
from cpaas.webhooks.destination import DestinationGuard
from cpaas.webhooks.dispatcher import Dispatcher, DispatchLimits
from cpaas.webhooks.domain import RetrySchedule
from cpaas.webhooks.handlers import ReceiptQueue, register_receipt_queue
from cpaas.webhooks.sender import ReceiptSender
from cpaas.webhooks.settings import WebhooksSettings
from cpaas.webhooks.store import DeliveryStore

SCHEMA = "webhooks"
MIGRATIONS = Path(__file__).parent / "migrations"


def retry_schedule(settings: WebhooksSettings) -> RetrySchedule:
    return RetrySchedule(
        base_seconds=settings.retry_base_seconds,
        factor=settings.retry_factor,
        min_seconds=settings.retry_min_seconds,
        max_interval_seconds=settings.retry_max_interval_seconds,
        give_up_after_seconds=settings.give_up_after_seconds,
    )


def build_dispatcher(settings: WebhooksSettings, store: DeliveryStore, control: ControlPlane) -> Dispatcher:
    sender = ReceiptSender(
        timeout=settings.request_timeout_seconds,
        idle_seconds=settings.client_idle_seconds,
        transport=settings.http_transport,
    )
    limits = DispatchLimits(
        max_in_flight=settings.max_in_flight,
        per_account=settings.per_account_concurrency,
        lease_seconds=settings.claim_lease_seconds,
        poll_seconds=settings.poll_interval_seconds,
        heartbeat_seconds=settings.heartbeat_seconds,
        instance_timeout_seconds=settings.instance_timeout_seconds,
    )
    guard = DestinationGuard(settings, cache_seconds=settings.dns_cache_seconds)
    return Dispatcher(store, control, guard, sender, retry_schedule(settings), limits)


def build_app(
    settings: WebhooksSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`db`: a pool the caller owns (else one is opened in the lifespan); `http` is unused:
    receipts go out on each account's own connections (sender.py), never a shared client."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
    )
    queue: Started[ReceiptQueue] = Started("webhooks")
    register_receipt_queue(
        broker,
        queue,
        topic=settings.kafka.topic(MSG_STATUS.name),
        group_id=settings.consumer_group,
        max_records=settings.batch_max_records,
        batch_timeout_ms=settings.batch_timeout_ms,
        linger_ms=settings.batch_linger_ms,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await service_pool(stack, settings, schema=SCHEMA, migrations=MIGRATIONS, given=db)
            health.add_check("postgres", lambda: ping(pool))
            store = DeliveryStore(pool)
            control = ControlPlane(
                pool, ttl_seconds=settings.account_cache_ttl_seconds, open_secret=SecretBox(settings.secrets_key).open
            )
            await stack.enter_async_context(control.listening(settings.postgres.dsn))
            dispatcher = build_dispatcher(settings, store, control)
            await dispatcher.start()
            stack.push_async_callback(dispatcher.stop, settings.shutdown_grace_seconds)
            stack.enter_context(started(queue, ReceiptQueue(broker, store, control, dispatcher.wake)))
            await stack.enter_async_context(broker_lifespan(broker, health))
            app.state.store = store
            app.state.dispatcher = dispatcher
            health.started = True
            try:
                yield
            finally:
                health.draining = True

    app = FastAPI(
        title="CPaaS webhooks",
        version="1.0.0",
        lifespan=lifespan,
        description="Internal API of the webhooks service: the delivery log of receipts POSTed to customers'"
        " webhook URLs. Authenticate with the `X-Service-Token` header.",
    )
    app.state.settings = settings
    install_error_handlers(app)
    mount_ops(app, health)
    app.include_router(router)
    return app
