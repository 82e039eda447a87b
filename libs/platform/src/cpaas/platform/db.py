"""asyncpg pools bound to a service's own schema, opened and closed with the app."""

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import TypeVar

import asyncpg

from cpaas.platform.migrations import apply_migrations
from cpaas.platform.pg_session import PooledConnection, reset_held_state
from cpaas.platform.settings import PostgresSettings, ServiceSettings

log = logging.getLogger(__name__)
T = TypeVar("T")


async def create_pool(pg: PostgresSettings, *, schema: str, application_name: str) -> asyncpg.Pool:
    """A pool whose connections resolve unqualified names in `schema` first.

    Other services' tables are read with qualified names (`console.templates`); a
    service writes only its own schema. A connection is reset on release only when it
    said it holds session state (`PooledConnection`).
    """
    return await asyncpg.create_pool(
        pg.dsn,
        min_size=pg.pool_min_size,
        max_size=pg.pool_max_size,
        server_settings={"search_path": f"{schema},public", "application_name": application_name},
        connection_class=PooledConnection,
        reset=reset_held_state,
    )


@asynccontextmanager
async def pool_lifespan(pg: PostgresSettings, *, schema: str, application_name: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(pg, schema=schema, application_name=application_name)
    try:
        yield pool
    finally:
        await pool.close()


async def service_pool(
    stack: AsyncExitStack,
    settings: ServiceSettings,
    *,
    schema: str,
    migrations: Path | None,
    given: asyncpg.Pool | None = None,
) -> asyncpg.Pool:
    """A service's pool in its lifespan: `given` (a test's own, which its owner closes) or a
    new one on `schema` (named after the service), closed when `stack` unwinds; then the
    service's migrations applied (`migrations`: its directory, None for none of its own)."""
    pool = given
    if pool is None:
        pool = await create_pool(settings.postgres, schema=schema, application_name=settings.service_name)
        stack.push_async_callback(pool.close)
    if migrations is not None:
        await apply_migrations(pool, schema, migrations)
    return pool


async def ping(pool: asyncpg.Pool) -> bool:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT 1") == 1


# what a lost or restarting PostgreSQL raises; a statement that met one may not have run
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,  # a statement on a connection the server dropped mid-operation
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
)
WRITE_RETRY_FIRST_SECONDS = 0.1
WRITE_RETRY_MAX_SECONDS = 2.0


async def until_written(write: Callable[[], Awaitable[T]], *, what: str, give_up_seconds: float = 120.0) -> T:
    """Run an idempotent write until PostgreSQL takes it, through a restart of the server.

    For the write that follows an effect outside the database (a message handed to a
    carrier): failing it would make the caller's input come again and the effect happen
    twice, so it is retried with backoff (a pooled connection the restart closed fails
    once and is replaced) for up to `give_up_seconds`, then the error is raised."""
    deadline = time.monotonic() + give_up_seconds
    pause = WRITE_RETRY_FIRST_SECONDS
    while True:
        try:
            return await write()
        except TRANSIENT_ERRORS as exc:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("write failed; retrying", extra={"what": what, "error": f"{type(exc).__name__}: {exc}"})
            await asyncio.sleep(pause)
            pause = min(pause * 2, WRITE_RETRY_MAX_SECONDS)
