"""Composition root of the gateway: `build_app` builds everything from the settings and
the parts a test passes in (`broker`, `db`); nothing is created at import time, and the
pool, the console's change listener and the broker are opened in the lifespan."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.control_plane import ControlPlane
from cpaas.gateway.api.account import router as account_router
from cpaas.gateway.api.ai import router as ai_router
from cpaas.gateway.api.analytics import router as analytics_router
from cpaas.gateway.api.anomalies import router as anomalies_router
from cpaas.gateway.api.campaigns import router as campaigns_router
from cpaas.gateway.api.edge_models import REQUEST_MODELS
from cpaas.gateway.api.insights import router as insights_router
from cpaas.gateway.api.internal import build_router as internal_router
from cpaas.gateway.api.messages import router as messages_router
from cpaas.gateway.api.submit import SUBMIT_PATH, serve_submit
from cpaas.gateway.domain.limits import InvalidKeyThrottle, RateLimiter
from cpaas.gateway.downstream import Downstream
from cpaas.gateway.handlers import SubmitHandler
from cpaas.gateway.settings import GatewaySettings
from cpaas.gateway.store import Balances, IdempotencyStore, SubmitBudgets
from cpaas.message_log import MessageLogReader
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import ping, service_pool
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.pg_listen import Listener
from cpaas.platform.serve import broker_lifespan

log = logging.getLogger(__name__)
SCHEMA = "gateway"
MIGRATIONS = Path(__file__).parent / "migrations"
IDEMPOTENCY_SWEEP_SECONDS = 600
BILLING_CHANNEL = "cpaas_billing"  # billing NOTIFYs '<account id>:<balance minor>' on every change


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


def build_app(
    settings: GatewaySettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`db`: a pool the caller owns (else one is opened in the lifespan); `http`: the client
    of the services behind the forwarded routes (campaigns, console, billing, ai; else one is
    opened in the lifespan)."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id="gateway", graceful_timeout=settings.shutdown_grace_seconds
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await service_pool(stack, settings, schema=SCHEMA, migrations=MIGRATIONS, given=db)
            health.add_check("postgres", lambda: ping(pool))
            control = ControlPlane(
                pool, ttl_seconds=settings.cache_ttl_seconds, absent_ttl_seconds=settings.unknown_key_ttl_seconds
            )
            await stack.enter_async_context(control.listening(settings.postgres.dsn))
            balances = None
            if settings.credit_check:
                balances = Balances(pool, settings.balance_ttl_seconds)
                listener = Listener(settings.postgres.dsn, BILLING_CHANNEL, balances.on_notify, balances.clear)
                await listener.start()
                stack.push_async_callback(listener.stop)
            await stack.enter_async_context(broker_lifespan(broker, health))
            idempotency = IdempotencyStore(pool, lease_seconds=settings.idempotency_lease_seconds)
            app.state.control_plane = control
            app.state.key_throttle = InvalidKeyThrottle(settings.invalid_key_limit_per_minute)
            app.state.reports = MessageLogReader(pool)
            client = http or await stack.enter_async_context(httpx.AsyncClient())
            app.state.downstream = Downstream(client, settings)
            app.state.submit_handler = SubmitHandler(
                settings,
                control=control,
                idempotency=idempotency,
                publisher=EventPublisher(broker, settings.kafka, source="gateway"),
                balances=balances,
                rate_limiter=RateLimiter(settings.submit_rate_per_second, lease=SubmitBudgets(pool).lease),
                key_throttle=app.state.key_throttle,
            )
            sweeper = asyncio.create_task(_sweep_idempotency(idempotency, settings.idempotency_ttl_hours))
            health.started = True
            try:
                yield
            finally:
                health.draining = True
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
                await idempotency.flush()  # keys answered 202 are written COMPLETED

    app = GatewayApp(
        title="CPaaS gateway",
        version="1.0.0",
        lifespan=lifespan,
        description="The public REST API: submit SMS, WhatsApp, RCS and Voice messages and read"
        " their delivery reports; bulk campaigns; templates, sender IDs and the blacklist; the balance and"
        " transactions; the compliance check and AI Assist; Traffic Anomaly and Spam Detection. Authenticate with"
        " the `X-API-Key` header.",
    )
    app.state.settings = settings
    install_error_handlers(app)
    mount_ops(app, health)
    app.include_router(messages_router)
    for router in (campaigns_router, account_router, ai_router, anomalies_router):  # forwarded (downstream.py)
        app.include_router(router)
    app.include_router(analytics_router)  # Report Summary and Campaign Intelligence (rollups)
    app.include_router(insights_router)  # the account's Intelligence (rollups) answered by the ai service
    app.include_router(internal_router(settings.service_token))
    _document_submit_request(app)
    return app


def _document_submit_request(app: FastAPI) -> None:
    """The submit route parses its body itself, and the forwarded routes pass theirs through;
    publish their schemas in the OpenAPI document."""
    from cpaas.contracts.submit import SubmitRequest

    build_openapi = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            schema = build_openapi()
            definitions = SubmitRequest.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, definition in definitions.pop("$defs", {}).items():
                schema["components"]["schemas"].setdefault(name, definition)
            schema["components"]["schemas"]["SubmitRequest"] = definitions
            for model in REQUEST_MODELS:
                schema["components"]["schemas"][model.__name__] = model.model_json_schema(
                    by_alias=True, ref_template="#/components/schemas/{model}"
                )
        return app.openapi_schema or schema

    app.openapi = openapi
