"""Composition root of the console service: the control-plane schema, the web console's
JSON API (one router per screen under api/), the built web app, and the template verdict
subscriber (handlers.py).

`build_app` opens nothing: the pool, the HTTP client and the broker are made, started and
closed by the app's lifespan, or passed in by a test (then the test closes them)."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import asyncpg
import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from cpaas.console.api import (
    account,
    admin,
    ai,
    analytics,
    anomalies,
    audit,
    auth,
    campaigns,
    insights,
    media,
    messages,
    onboarding,
    operator,
    reports,
    templates,
)
from cpaas.console.api.deps import install_invalid_field_handler
from cpaas.console.api.input_guard import TextGuard
from cpaas.console.api.internal import build_router as internal_router
from cpaas.console.handlers import register
from cpaas.console.platform_apis import PlatformApis
from cpaas.console.providers import channel_providers, keep_registering, register_numbers
from cpaas.console.settings import ConsoleSettings
from cpaas.console.store import MIGRATIONS, SCHEMA, ConsoleStore
from cpaas.console.store.throttle import SWEEP_STALE
from cpaas.message_log import MessageLogReader
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool, ping
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.retention import start_sweeping, stop_sweeping
from cpaas.platform.secretbox import SecretBox
from cpaas.platform.serve import broker_lifespan

THROTTLE_SWEEP_SECONDS = 600  # forgotten login-failure counters are deleted this often


class SPAStaticFiles(StaticFiles):
    """The built web console: unknown non-API paths get index.html so client-side routes survive a reload."""

    async def get_response(self, path: str, scope: Scope):
        try:
            return await super().get_response(path, scope)
        except StarletteHTTPException as error:
            if error.status_code != 404 or path == "api" or path.startswith("api/"):
                raise
            return await super().get_response("index.html", scope)


def build_app(
    settings: ConsoleSettings,
    *,
    broker: KafkaBroker | None = None,
    db: asyncpg.Pool | None = None,
    http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`db` is a pool on the console schema; `http` the client for billing's, the
    gateway's and campaigns' internal APIs (at `settings.billing_url`, `settings.gateway_url`
    and `settings.campaigns_url`). A broker
    not passed in is made at each start, so a start that failed leaves no subscriber behind."""
    health = HealthState()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = db or await create_pool(settings.postgres, schema=SCHEMA, application_name=settings.service_name)
            if db is None:
                stack.push_async_callback(pool.close)
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            health.add_check("postgres", lambda: ping(pool))
            store = ConsoleStore(pool, SecretBox(settings.secrets_key))
            await store.channels.seal_credentials()  # credentials stored before encryption
            await store.webhook_secrets.seal_and_backfill()  # every account has its own sealed secret
            keep_days = settings.login_failure_memory_minutes / 1440
            sweeper = start_sweeping(pool, [SWEEP_STALE], keep_days=keep_days, every_seconds=THROTTLE_SWEEP_SECONDS)
            stack.push_async_callback(stop_sweeping, sweeper)
            client = http or await stack.enter_async_context(httpx.AsyncClient())
            events = broker or make_broker(
                settings.kafka, client_id=settings.service_name, graceful_timeout=settings.shutdown_grace_seconds
            )
            register(events, settings.kafka, store.templates)
            await stack.enter_async_context(broker_lifespan(events, health))
            app.state.store = store
            app.state.reports = MessageLogReader(pool)
            app.state.apis = PlatformApis(
                client,
                billing_url=settings.billing_url,
                gateway_url=settings.gateway_url,
                campaigns_url=settings.campaigns_url,
                service_token=settings.service_token,
            )
            app.state.publisher = EventPublisher(events, settings.kafka, source=settings.service_name)
            app.state.providers = channel_providers(settings, client)
            every = settings.register_every_number_at_start
            every = settings.environment == "local" if every is None else every
            # once before the console is ready (the seed's demo number sends at once), then in the background
            if await register_numbers(store, app.state.providers, every_active=every):
                registering = asyncio.create_task(keep_registering(store, app.state.providers, every_active=every))
                stack.callback(registering.cancel)
            health.started = True
            try:
                yield
            finally:
                health.draining = True

    app = FastAPI(title="CPaaS console", version="1.0.0", lifespan=lifespan)
    app.state.settings = settings
    install_error_handlers(app)
    install_invalid_field_handler(app)
    app.add_middleware(TextGuard)  # NUL and lone surrogates: 422 before any route (api/input_guard.py)
    mount_ops(app, health)
    for module in (auth, templates, ai, account, admin, audit, reports, messages, media, campaigns, onboarding):
        app.include_router(module.build_router())
    app.include_router(analytics.build_router())  # Report Summary and Campaign Intelligence (rollups)
    app.include_router(insights.build_router())  # AI insights on the account's Intelligence (the ai service)
    app.include_router(anomalies.build_router())  # Traffic Anomaly and Spam Detection (the ai service)
    app.include_router(operator.build_router())  # the admin's Unmatched provider events panel
    app.include_router(internal_router())  # /internal/: answered on the internal listener only
    if settings.web_dist.is_dir():  # after every API route, so the app only answers what they do not
        app.mount("/", SPAStaticFiles(directory=settings.web_dist, html=True), name="web")
    return app
