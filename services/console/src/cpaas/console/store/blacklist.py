"""SQL of an account's blacklist: recipients (E.164) the gateway refuses to send to."""

import asyncpg

from cpaas.console.store.paging import fetch_page, like


class BlacklistStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def page(
        self, account_id: int, *, search: str | None, page: int, page_size: int
    ) -> tuple[list[asyncpg.Record], int]:
        """The account's blacklisted numbers, newest first, searched by digits."""
        clauses, args = ["account_id = $1"], [account_id]
        if search:
            args.append(like(search))
            clauses.append(f"recipient LIKE ${len(args)}")
        return await fetch_page(
            self.pool,
            columns="recipient, created_at",
            source=f" FROM blacklist WHERE {' AND '.join(clauses)}",
            args=args,
            order="created_at DESC, recipient",
            page=page,
            page_size=page_size,
        )

    async def add(self, account_id: int, recipient: str) -> None:
        """Idempotent: a number already on the list stays as it is."""
        await self.pool.execute(
            "INSERT INTO blacklist (account_id, recipient) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id,
            recipient,
        )

    async def remove(self, account_id: int, recipient: str) -> bool:
        """False when the number was not on the account's list."""
        result = await self.pool.execute(
            "DELETE FROM blacklist WHERE account_id = $1 AND recipient = $2", account_id, recipient
        )
        return result.endswith("1")
