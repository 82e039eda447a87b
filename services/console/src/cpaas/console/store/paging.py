"""What every list screen's query shares: the search box as a LIKE pattern, and one page of
rows with the number of rows that match."""

import asyncpg


def like(text: str) -> str:
    """`text` anywhere in the value; its own % _ and \\ match themselves."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def fetch_page(
    pool: asyncpg.Pool, *, columns: str, source: str, args: list, order: str, page: int, page_size: int
) -> tuple[list[asyncpg.Record], int]:
    """(the rows of page `page`, the total): `source` is the FROM ... WHERE ... both read."""
    offset = (page - 1) * page_size
    async with pool.acquire() as conn:
        total = await conn.fetchval(f"SELECT count(*){source}", *args)
        rows = await conn.fetch(
            f"SELECT {columns}{source} ORDER BY {order} LIMIT {int(page_size)} OFFSET {int(offset)}", *args
        )
    return rows, total
