"""SQL of accounts and what hangs on them: the API key, the webhook, the IP allow-list, the
time zone. A method given `audit=` records that entry in the change's own transaction."""

import asyncpg

from cpaas.console.domain.audit import Entry
from cpaas.console.domain.credentials import new_api_key
from cpaas.console.store import audit as audit_log


class AccountStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def create(self, name: str, *, ip_allowlist: list[str] | None = None) -> int:
        return await self.pool.fetchval(
            "INSERT INTO accounts (name, ip_allowlist) VALUES ($1, $2) RETURNING id", name, ip_allowlist or []
        )

    async def id_by_name(self, name: str) -> int | None:
        return await self.pool.fetchval("SELECT id FROM accounts WHERE name = $1 ORDER BY id LIMIT 1", name)

    async def exists(self, account_id: int) -> bool:
        return await self.pool.fetchval("SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)", account_id)

    async def listing(self) -> list[asyncpg.Record]:
        """Every account with its number of users (the admin's account picker)."""
        return await self.pool.fetch(
            "SELECT a.id, a.name, a.status, a.time_zone, a.created_at, count(u.id) AS users FROM accounts a"
            " LEFT JOIN users u ON u.account_id = a.id GROUP BY a.id ORDER BY a.id"
        )

    async def settings(self, account_id: int) -> asyncpg.Record:
        return await self.pool.fetchrow(
            "SELECT a.webhook_url, a.webhook_secret, a.ip_allowlist, a.time_zone, k.key_prefix, k.created_at AS key_created_at"
            " FROM accounts a LEFT JOIN api_keys k ON k.account_id = a.id AND k.revoked_at IS NULL WHERE a.id = $1",
            account_id,
        )

    async def set_webhook_url(self, account_id: int, url: str | None, *, audit: Entry | None = None) -> None:
        await audit_log.execute(
            self.pool, audit, "UPDATE accounts SET webhook_url = $2, updated_at = now() WHERE id = $1", account_id, url
        )

    async def set_webhook_secret(self, account_id: int, secret: str) -> None:
        await self.pool.execute(
            "UPDATE accounts SET webhook_secret = $2, updated_at = now() WHERE id = $1", account_id, secret
        )

    async def webhook_secret(self, account_id: int) -> str | None:
        return await self.pool.fetchval("SELECT webhook_secret FROM accounts WHERE id = $1", account_id)

    async def set_ip_allowlist(self, account_id: int, allowlist: list[str], *, audit: Entry | None = None) -> None:
        await audit_log.execute(
            self.pool,
            audit,
            "UPDATE accounts SET ip_allowlist = $2, updated_at = now() WHERE id = $1",
            account_id,
            allowlist,
        )

    async def time_zone(self, account_id: int) -> str | None:
        return await self.pool.fetchval("SELECT time_zone FROM accounts WHERE id = $1", account_id)

    async def set_time_zone(self, account_id: int, zone: str, *, audit: Entry | None = None) -> None:
        await audit_log.execute(
            self.pool, audit, "UPDATE accounts SET time_zone = $2, updated_at = now() WHERE id = $1", account_id, zone
        )

    async def rotate_api_key(self, account_id: int, *, audit: Entry | None = None) -> str:
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
            if audit is not None:
                await audit_log.write(conn, audit)
        return key

    async def active_key_hash(self, account_id: int) -> bytes | None:
        return await self.pool.fetchval(
            "SELECT key_hash FROM api_keys WHERE account_id = $1 AND revoked_at IS NULL", account_id
        )
