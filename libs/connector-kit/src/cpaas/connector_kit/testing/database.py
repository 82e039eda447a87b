"""SQL on the test's database, a connection per call (the connector's own pool is its own)."""

from typing import Any

import asyncpg

from cpaas.platform.settings import PostgresSettings


class Database:
    def __init__(self, pg: PostgresSettings) -> None:
        self.pg = pg

    async def fetch(self, query: str, *args: Any) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.pg.dsn)
        try:
            return await conn.fetch(query, *args)
        finally:
            await conn.close()

    async def fetchrow(self, query: str, *args: Any) -> asyncpg.Record | None:
        rows = await self.fetch(query, *args)
        return rows[0] if rows else None

    async def fetchval(self, query: str, *args: Any) -> Any:
        row = await self.fetchrow(query, *args)
        return row[0] if row is not None else None

    async def execute(self, query: str, *args: Any) -> str:
        conn = await asyncpg.connect(self.pg.dsn)
        try:
            return await conn.execute(query, *args)
        finally:
            await conn.close()
