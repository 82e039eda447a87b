"""asyncpg pools bound to a service's own schema, opened and closed with the app."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from cpaas.platform.settings import PostgresSettings


async def create_pool(pg: PostgresSettings, *, schema: str, application_name: str) -> asyncpg.Pool:
    """A pool whose connections resolve unqualified names in `schema` first.

    Other services' tables are read with qualified names (`console.templates`); a
    service writes only its own schema.
    """
    return await asyncpg.create_pool(
        pg.dsn,
        min_size=pg.pool_min_size,
        max_size=pg.pool_max_size,
        server_settings={"search_path": f"{schema},public", "application_name": application_name},
    )


@asynccontextmanager
async def pool_lifespan(pg: PostgresSettings, *, schema: str, application_name: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(pg, schema=schema, application_name=application_name)
    try:
        yield pool
    finally:
        await pool.close()


async def ping(pool: asyncpg.Pool) -> bool:
    async with pool.acquire() as conn:
        return await conn.fetchval("SELECT 1") == 1
