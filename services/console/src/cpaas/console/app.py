"""Composition root of the console service: the control-plane schema, the web console's
JSON API (one router per screen under api/), and the template verdict subscriber."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

import httpx
from fastapi import FastAPI
from faststream.kafka import KafkaBroker
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from cpaas.console.account_store import AccountStore
from cpaas.console.api import account, admin, auth, media, messages, reports, templates
from cpaas.console.api.input_guard import TextGuard
from cpaas.console.auth_store import AuthStore
from cpaas.console.handlers import register
from cpaas.console.settings import ConsoleSettings
from cpaas.console.store import MIGRATIONS, SCHEMA, ConsoleStore
from cpaas.console.template_store import TemplateStore
from cpaas.console.throttle_store import SWEEP_STALE, ThrottleStore
from cpaas.message_log import MessageLogReader
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.db import create_pool, ping
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.retention import start_sweeping, stop_sweeping
from cpaas.platform.secretbox import SecretBox
from cpaas.platform.serve import broker_lifespan

BILLING_TIMEOUT_SECONDS = 5.0
GATEWAY_TIMEOUT_SECONDS = 10.0


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
    http: httpx.AsyncClient | None = None,
    gateway_http: httpx.AsyncClient | None = None,
) -> FastAPI:
    """`http` and `gateway_http` are the clients for billing's and the gateway's internal
    APIs (tests may pass their own)."""
    health = HealthState()
    broker = broker or make_broker(
        settings.kafka, client_id="console", graceful_timeout=settings.shutdown_grace_seconds
    )
    holder: dict[str, ConsoleStore] = {}
    register(broker, settings.kafka, lambda: holder["store"])

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            pool = await create_pool(settings.postgres, schema=SCHEMA, application_name="console")
            stack.push_async_callback(pool.close)
            await apply_migrations(pool, SCHEMA, MIGRATIONS)
            health.add_check("postgres", lambda: ping(pool))
            box = SecretBox(settings.secrets_key)
            holder["store"] = app.state.store = ConsoleStore(pool, box)
            await app.state.store.seal_credentials()  # credentials stored before encryption
            app.state.settings = settings
            app.state.auth = AuthStore(pool)
            app.state.throttle = ThrottleStore(pool, settings.throttle_policy())
            sweeper = start_sweeping(
                pool, [SWEEP_STALE], keep_days=settings.login_failure_memory_minutes / 1440, every_seconds=600
            )
            stack.push_async_callback(stop_sweeping, sweeper)
            app.state.templates = TemplateStore(pool)
            app.state.accounts = AccountStore(pool, box)
            app.state.reports = MessageLogReader(pool)
            app.state.pool = pool
            client = http or httpx.AsyncClient(base_url=settings.billing_url, timeout=BILLING_TIMEOUT_SECONDS)
            if http is None:
                stack.push_async_callback(client.aclose)
            app.state.billing_http = client
            app.state.gateway_http = gateway_http or httpx.AsyncClient(
                base_url=settings.gateway_url, timeout=GATEWAY_TIMEOUT_SECONDS
            )
            if gateway_http is None:
                stack.push_async_callback(app.state.gateway_http.aclose)
            await stack.enter_async_context(broker_lifespan(broker, health))
            app.state.publisher = EventPublisher(broker, settings.kafka, source="console")
            health.started = True
            try:
                yield
            finally:
                health.draining = True

    app = FastAPI(title="CPaaS console", version="1.0.0", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(TextGuard)  # NUL and lone surrogates: 422 before any route (api/input_guard.py)
    mount_ops(app, health)
    for module in (auth, templates, account, admin, reports, messages, media):
        app.include_router(module.build_router())
    if settings.web_dist.is_dir():  # after every API route, so the app only answers what they do not
        app.mount("/", SPAStaticFiles(directory=settings.web_dist, html=True), name="web")
    return app
