"""SQL of an account's channels: WhatsApp business numbers and RCS bots. Their provider
credentials (WABA access tokens, RBM bot secrets) are stored sealed with the SecretBox the
WhatsApp and RCS connectors open them with; `box` opens them for masking."""

import asyncpg

from cpaas.console.domain.audit import Entry
from cpaas.console.store import audit as audit_log
from cpaas.platform.secretbox import SecretBox

_BOT_COLUMNS = "id, display_name, bot_id, handle, api_key, status, status_reason, created_at"
_WABA_COLUMNS = "id, phone_number, display_name, waba_id, phone_number_id, api_key, status, registered_at, created_at"
SEALED_TABLES = ("waba_numbers", "rcs_bots")


class ChannelStore:
    def __init__(self, pool: asyncpg.Pool, box: SecretBox) -> None:
        self.pool, self.box = pool, box

    async def waba_numbers(self, account_id: int) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            f"SELECT {_WABA_COLUMNS} FROM waba_numbers WHERE account_id = $1 ORDER BY id",
            account_id,
        )

    async def rcs_bots(self, account_id: int) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            f"SELECT {_BOT_COLUMNS} FROM rcs_bots WHERE account_id = $1 ORDER BY id", account_id
        )

    async def active_waba(self, account_id: int, waba_number_id: int | None) -> int | None:
        """The account's ACTIVE WABA number `waba_number_id`, or its first when None; None if none is."""
        return await self.pool.fetchval(
            "SELECT id FROM waba_numbers WHERE account_id = $1 AND status = 'ACTIVE'"
            " AND ($2::bigint IS NULL OR id = $2) ORDER BY id LIMIT 1",
            account_id,
            waba_number_id,
        )

    async def active_bot(self, account_id: int, rcs_bot_id: int | None) -> int | None:
        """The account's ACTIVE RCS bot `rcs_bot_id`, or its first when None; None if none is."""
        return await self.pool.fetchval(
            "SELECT id FROM rcs_bots WHERE account_id = $1 AND status = 'ACTIVE'"
            " AND ($2::bigint IS NULL OR id = $2) ORDER BY id LIMIT 1",
            account_id,
            rcs_bot_id,
        )

    async def request_rcs_bot(
        self, account_id: int, display_name: str, bot_id: str, handle: str, api_key: str
    ) -> asyncpg.Record:
        """A new PENDING bot; UniqueViolationError when its handle or bot id is taken."""
        return await self.pool.fetchrow(
            "INSERT INTO rcs_bots (account_id, display_name, bot_id, handle, api_key) VALUES ($1, $2, $3, $4, $5)"
            f" RETURNING {_BOT_COLUMNS}",
            account_id,
            display_name,
            bot_id,
            handle,
            self.box.seal(api_key),
        )

    async def review_rcs_bot(self, row_id: int, status: str, reason: str | None) -> bool:
        """An admin's verdict on a PENDING bot; False when there is none such."""
        result = await self.pool.execute(
            "UPDATE rcs_bots SET status = $2, status_reason = $3 WHERE id = $1 AND status = 'PENDING'",
            row_id,
            status,
            reason,
        )
        return result.endswith("1")

    async def ensure_waba_number(
        self,
        account_id: int,
        *,
        phone_number: str,
        waba_id: str,
        phone_number_id: str,
        api_key: str,
        display_name: str = "",
    ) -> int:
        """The number's id, created or with its access token replaced (seeding)."""
        return await self.pool.fetchval(
            "INSERT INTO waba_numbers (account_id, phone_number, waba_id, phone_number_id, api_key, display_name)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (phone_number) DO UPDATE SET api_key = EXCLUDED.api_key"
            " RETURNING id",
            account_id,
            phone_number,
            waba_id,
            phone_number_id,
            self.box.seal(api_key),
            display_name,
        )

    async def ensure_rcs_bot(
        self, account_id: int, *, display_name: str, bot_id: str, handle: str, api_key: str, status: str = "PENDING"
    ) -> int:
        """The bot's id, created or with its status replaced (seeding)."""
        return await self.pool.fetchval(
            "INSERT INTO rcs_bots (account_id, display_name, bot_id, handle, api_key, status)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (bot_id) DO UPDATE SET status = EXCLUDED.status"
            " RETURNING id",
            account_id,
            display_name,
            bot_id,
            handle,
            self.box.seal(api_key),
            status,
        )

    async def link_waba_number(
        self,
        account_id: int,
        *,
        phone_number: str,
        display_name: str,
        waba_id: str,
        phone_number_id: str,
        access_token: str,
        audit: Entry | None = None,
    ) -> asyncpg.Record:
        """A new ACTIVE number of the account, registered with the provider just now (the
        caller registered it); UniqueViolationError when the number or its id is linked already."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "INSERT INTO waba_numbers"
                " (account_id, phone_number, display_name, waba_id, phone_number_id, api_key, registered_at)"
                f" VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING {_WABA_COLUMNS}",
                account_id,
                phone_number,
                display_name,
                waba_id,
                phone_number_id,
                self.box.seal(access_token),
            )
            if audit is not None:
                await audit_log.write(conn, audit)
        return row

    async def set_waba_status(
        self, account_id: int, number_id: int, status: str, *, audit: Entry | None = None
    ) -> asyncpg.Record | None:
        """The number with its new status; None when the account has no such number."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                f"UPDATE waba_numbers SET status = $3 WHERE id = $2 AND account_id = $1 RETURNING {_WABA_COLUMNS}",
                account_id,
                number_id,
                status,
            )
            if row is not None and audit is not None:
                await audit_log.write(conn, audit)
        return row

    async def active_waba_numbers(self) -> list[asyncpg.Record]:
        """Every account's ACTIVE numbers with their access tokens opened (registration at start)."""
        rows = await self.pool.fetch(
            "SELECT id, phone_number, waba_id, phone_number_id, api_key, registered_at FROM waba_numbers"
            " WHERE status = 'ACTIVE'"
            " ORDER BY id"
        )
        return [{**dict(r), "api_key": self.box.open(r["api_key"])} for r in rows]

    async def mark_registered(self, number_id: int) -> None:
        await self.pool.execute("UPDATE waba_numbers SET registered_at = now() WHERE id = $1", number_id)

    async def pending_bot(self, row_id: int) -> asyncpg.Record | None:
        """A PENDING bot awaiting the admin's decision (its RBM agent id), or None."""
        return await self.pool.fetchrow(
            f"SELECT account_id, {_BOT_COLUMNS} FROM rcs_bots WHERE id = $1 AND status = 'PENDING'", row_id
        )

    async def mark_launched(self, row_id: int) -> None:
        await self.pool.execute("UPDATE rcs_bots SET launched_at = now() WHERE id = $1", row_id)

    async def seal_credentials(self) -> int:
        """Seal the provider credentials stored before encryption; returns how many."""
        sealed = 0
        for table in SEALED_TABLES:
            rows = await self.pool.fetch(f"SELECT id, api_key FROM {table} WHERE api_key NOT LIKE 'enc:v1:%'")
            for row in rows:
                await self.pool.execute(
                    f"UPDATE {table} SET api_key = $2 WHERE id = $1 AND api_key = $3",
                    row["id"],
                    self.box.seal(row["api_key"]),
                    row["api_key"],
                )
            sealed += len(rows)
        return sealed
