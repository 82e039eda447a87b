"""Composition root of the console service (the web console's screens arrive with their
own issue; today it owns the control-plane schema and applies template verdicts)."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI
from faststream.kafka import KafkaBroker

from cpaas.console.handlers import register
from cpaas.console.settings import ConsoleSettings
from cpaas.console.store import MIGRATIONS, SCHEMA, ConsoleStore
from cpaas.platform.api_errors import install_error_handlers
from cpaas.platform.broker import make_broker
from cpaas.platform.db import create_pool, ping
from cpaas.platform.migrations import apply_migrations
from cpaas.platform.ops import HealthState, mount_ops
from cpaas.platform.serve import broker_lifespan


def build_app(settings: ConsoleSettings, *, broker: KafkaBroker | None = None) -> FastAPI:
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
            holder["store"] = app.state.store = ConsoleStore(pool)
            await stack.enter_async_context(broker_lifespan(broker, health))
            health.started = True
            try:
                yield
            finally:
                health.draining = True

    app = FastAPI(title="CPaaS console", version="1.0.0", lifespan=lifespan)
    install_error_handlers(app)
    mount_ops(app, health)
    return app
