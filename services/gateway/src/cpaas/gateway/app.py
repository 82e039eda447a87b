"""Composition root of the gateway."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.gateway.api.internal import build_router as internal_router
from cpaas.gateway.api.messages import router as messages_router
from cpaas.gateway.api.submit_handler import SUBMIT_PATH, SubmitHandler, serve_submit
from cpaas.gateway.control_plane import ControlPlane
from cpaas.gateway.idempotency import IdempotencyStore
from cpaas.gateway.limits import Balances, InvalidKeyThrottle, RateLimiter
from cpaas.gateway.settings import GatewaySettings
from cpaas.message_log import MessageLogReader
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool, ping
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.pg_listen import Listener
from cpaas.platform.serve import broker_lifespan

log = logging.getLogger(__name__)
SCHEMA = "gateway"
MIGRATIONS = Path(__file__).parent / "migrations"
IDEMPOTENCY_SWEEP_SECONDS = 600


async def _sweep_idempotency(store: IdempotencyStore, ttl_hours: int) -> None:
    while True:
        await asyncio.sleep(IDEMPOTENCY_SWEEP_SECONDS)
        try:
            await store.expire(ttl_hours)
        except Exception:
            log.exception("idempotency sweep failed; will retry")


class GatewayApp(FastAPI):
    """FastAPI, except that the submit hot path is served before the middleware stack.

    The route is still declared on the router (OpenAPI, and the same handler), so only
    the dispatch differs; everything else goes through FastAPI as usual.
    """

    async def __call__(self, scope, receive, send) -> None:
        if (
            scope["type"] == "http"
            and scope["path"] == SUBMIT_PATH
            and scope["method"] == "POST"
            and getattr(self.state, "submit_handler", None) is not None
        ):
            await serve_submit(self.state.submit_handler, scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def build_app(settings: GatewaySettings, *, broker: KafkaBroker | None = None) -> FastAPI:
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id="gateway", graceful_timeout=settings.shutdown_grace_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await create_pool(settings.postgres, schema=SCHEMA, application_name="gateway")
            stack.push_async_callback(pool.close)
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            health.add_check("postgres", lambda: ping(pool))
            control = ControlPlane(
                pool, ttl=settings.cache_ttl_seconds, unknown_key_ttl=settings.unknown_key_ttl_seconds
            )
            listener = Listener(settings.postgres.dsn, "cpaas_console", control.on_notify, control.clear)
            await listener.start()
            stack.push_async_callback(listener.stop)
            balances = Balances(pool, settings.balance_ttl_seconds)
            balance_listener = Listener(settings.postgres.dsn, "cpaas_billing", balances.on_notify, balances.clear)
            await balance_listener.start()
            stack.push_async_callback(balance_listener.stop)
            app.state.balances = balances
            app.state.rate_limiter = RateLimiter(settings.submit_rate_per_second)
            app.state.key_throttle = InvalidKeyThrottle(settings.invalid_key_limit_per_minute)
            await stack.enter_async_context(broker_lifespan(broker, health))
            app.state.control_plane = control
            app.state.idempotency = IdempotencyStore(pool, lease_seconds=settings.idempotency_lease_seconds)
            app.state.reports = MessageLogReader(pool)
            app.state.publisher = EventPublisher(broker, settings.kafka, source="gateway")
            app.state.submit_handler = SubmitHandler(app.state)
            sweeper = asyncio.create_task(_sweep_idempotency(app.state.idempotency, settings.idempotency_ttl_hours))
            health.started = True
            try:
                yield
            finally:
                health.draining = True
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
                await app.state.idempotency.flush()  # keys answered 202 are written COMPLETED

    app = GatewayApp(
        title="CPaaS gateway",
        version="1.0.0",
        lifespan=lifespan,
        description="The public REST API: submit SMS, WhatsApp, RCS and Voice messages and read"
        " their delivery reports. Authenticate with the `X-API-Key` header.",
    )
    app.state.settings = settings
    app.state.enabled_channels = frozenset(settings.enabled_channels)
    install_error_handlers(app)
    mount_ops(app, health)
    app.include_router(messages_router)
    app.include_router(internal_router(settings.service_token))
    _document_submit_request(app)
    return app


def _document_submit_request(app: FastAPI) -> None:
    """The submit route parses its body itself; publish its schema in the OpenAPI document."""
    from cpaas.contracts.submit import SubmitRequest

    build_openapi = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build_openapi()
            definitions = SubmitRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in definitions.pop("$defs", {}).items():
                schema["components"]["schemas"].setdefault(name, definition)
            schema["components"]["schemas"]["SubmitRequest"] = definitions
        return app.openapi_schema or schema

    app.openapi = openapi
