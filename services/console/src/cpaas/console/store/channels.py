"""SQL of an account's channels: WhatsApp business numbers and RCS bots. Their provider
credentials (WABA access tokens, RBM bot secrets) are stored sealed with the SecretBox the
WhatsApp and RCS connectors open them with; `box` opens them for masking."""

import asyncpg

from cpaas.platform.secretbox import SecretBox

_BOT_COLUMNS = "id, display_name, bot_id, handle, api_key, status, status_reason, created_at"
SEALED_TABLES = ("waba_numbers", "rcs_bots")


class ChannelStore:
    def __init__(self, pool: asyncpg.Pool, box: SecretBox) -> None:
        self.pool, self.box = pool, box

    async def waba_numbers(self, account_id: int) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT id, phone_number, display_name, waba_id, phone_number_id, api_key, status, created_at"
            " FROM waba_numbers WHERE account_id = $1 ORDER BY id",
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
