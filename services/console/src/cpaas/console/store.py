"""The console's SQL: named methods over an asyncpg pool, writing only the console schema."""

import json
from pathlib import Path

import asyncpg

from cpaas.console.security import hash_password, new_api_key
from cpaas.platform.secretbox import LOCAL_KEY, SecretBox

SCHEMA = "console"
MIGRATIONS = Path(__file__).parent / "migrations"


class ConsoleStore:
    def __init__(self, pool: asyncpg.Pool, box: SecretBox | None = None) -> None:
        self.pool = pool
        self.box = box or SecretBox(LOCAL_KEY)  # seals provider credentials before they are stored

    async def seal_credentials(self) -> int:
        """Seal the provider credentials stored before encryption; returns how many."""
        sealed = 0
        for table in ("waba_numbers", "rcs_bots"):
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

    async def account_id_by_name(self, name: str) -> int | None:
        return await self.pool.fetchval("SELECT id FROM accounts WHERE name = $1 ORDER BY id LIMIT 1", name)

    async def create_account(self, name: str, *, ip_allowlist: list[str] | None = None) -> int:
        return await self.pool.fetchval(
            "INSERT INTO accounts (name, ip_allowlist) VALUES ($1, $2) RETURNING id", name, ip_allowlist or []
        )

    async def set_ip_allowlist(self, account_id: int, allowlist: list[str]) -> None:
        await self.pool.execute(
            "UPDATE accounts SET ip_allowlist = $2, updated_at = now() WHERE id = $1", account_id, allowlist
        )

    async def create_user(self, account_id: int, username: str, password: str, role: str) -> int:
        return await self.pool.fetchval(
            "INSERT INTO users (account_id, username, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id",
            account_id,
            username,
            hash_password(password),
            role,
        )

    async def user_by_name(self, username: str) -> asyncpg.Record | None:
        return await self.pool.fetchrow("SELECT * FROM users WHERE username = $1", username)

    async def set_password(self, user_id: int, password: str) -> None:
        await self.pool.execute(
            "UPDATE users SET password_hash = $2 WHERE id = $1",
            user_id,
            hash_password(password),
        )

    async def rotate_api_key(self, account_id: int) -> str:
        """Revoke the active key (if any) and issue a new one; returns the new key, shown once."""
        key, prefix, digest = new_api_key()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE api_keys SET revoked_at = now() WHERE account_id = $1 AND revoked_at IS NULL", account_id
            )
            await conn.execute(
                "INSERT INTO api_keys (account_id, key_hash, key_prefix) VALUES ($1, $2, $3)",
                account_id,
                digest,
                prefix,
            )
        return key

    async def active_key_hash(self, account_id: int) -> bytes | None:
        return await self.pool.fetchval(
            "SELECT key_hash FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL", account_id
        )

    async def request_sender_id(self, account_id: int, sender_id: str, pe_id: str) -> int:
        return await self.pool.fetchval(
            "INSERT INTO sender_ids (account_id, sender_id, pe_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (account_id, sender_id) DO UPDATE SET pe_id = EXCLUDED.pe_id RETURNING id",
            account_id,
            sender_id,
            pe_id,
        )

    async def review_sender_id(self, sender_row_id: int, status: str, reason: str | None = None) -> None:
        await self.pool.execute(
            "UPDATE sender_ids SET status = $2, status_reason = $3, reviewed_at = now() WHERE id = $1",
            sender_row_id,
            status,
            reason,
        )

    async def template_id_by_name(self, account_id: int, name: str) -> int | None:
        return await self.pool.fetchval(
            "SELECT id FROM templates WHERE account_id = $1 AND name = $2", account_id, name
        )

    async def create_template(
        self,
        account_id: int,
        *,
        name: str,
        channel: str,
        body: str,
        status: str,
        category: str | None = None,
        template_type: str = "TEXT",
        dlt_template_id: str | None = None,
        content: dict | None = None,
        language: str = "en",
    ) -> int:
        return await self.pool.fetchval(
            "INSERT INTO templates (account_id, name, channel, status, category, template_type, body,"
            " dlt_template_id, content, language) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10) RETURNING id",
            account_id,
            name,
            channel,
            status,
            category,
            template_type,
            body,
            dlt_template_id,
            json.dumps(content or {}),
            language,
        )

    async def set_template_status(self, template_id: int, status: str, reason: str | None = None) -> None:
        await self.pool.execute(
            "UPDATE templates SET status = $2, status_reason = $3, updated_at = now() WHERE id = $1",
            template_id,
            status,
            reason,
        )

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

    async def set_template_identity(
        self, template_id: int, *, waba_number_id: int | None = None, rcs_bot_id: int | None = None
    ) -> None:
        await self.pool.execute(
            "UPDATE templates SET waba_number_id = $2, rcs_bot_id = $3 WHERE id = $1",
            template_id,
            waba_number_id,
            rcs_bot_id,
        )

    async def set_webhook(self, account_id: int, *, url: str | None, secret: str | None) -> None:
        await self.pool.execute(
            "UPDATE accounts SET webhook_url = $2, webhook_secret = COALESCE($3, webhook_secret),"
            " updated_at = now() WHERE id = $1",
            account_id,
            url,
            secret,
        )

    async def webhook_secret(self, account_id: int) -> str | None:
        return await self.pool.fetchval("SELECT webhook_secret FROM accounts WHERE id = $1", account_id)

    async def apply_provider_verdict(
        self, template_id: int, account_id: int, status: str, reason: str | None, provider_template_id: str | None, at
    ) -> None:
        """The provider's PENDING / APPROVED / FAILED (REJECTED by the provider counts as FAILED)."""
        provider_status = "FAILED" if status in ("REJECTED", "FAILED") else status
        await self.pool.execute(
            "UPDATE templates SET provider_status = $3, provider_reason = $4,"
            " provider_template_id = COALESCE($5, provider_template_id), provider_updated_at = $6,"
            " status = CASE WHEN $3 = 'FAILED' THEN 'FAILED' ELSE status END,"
            " status_reason = CASE WHEN $3 = 'FAILED' THEN $4 ELSE status_reason END, updated_at = now()"
            " WHERE id = $1 AND account_id = $2"
            " AND (provider_updated_at IS NULL OR provider_updated_at <= $6)"
            " AND NOT (coalesce(provider_status, '') = 'FAILED' AND $3 = 'PENDING')",
            template_id,
            account_id,
            provider_status,
            reason,
            provider_template_id,
            at,
        )

    async def add_to_blacklist(self, account_id: int, recipient: str) -> None:
        await self.pool.execute(
            "INSERT INTO blacklist (account_id, recipient) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            account_id,
            recipient,
        )

    async def remove_from_blacklist(self, account_id: int, recipient: str) -> bool:
        result = await self.pool.execute(
            "DELETE FROM blacklist WHERE account_id = $1 AND recipient = $2", account_id, recipient
        )
        return result.endswith("1")
