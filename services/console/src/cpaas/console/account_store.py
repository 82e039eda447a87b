"""SQL of an account's sender IDs, channels (WABA numbers, RCS bots), blacklist and settings,
and of the admin's approvals queue (templates, sender IDs, bots) and review of sender IDs and bots.
Every user query is scoped by account."""

import asyncpg

from cpaas.console.template_store import _like
from cpaas.platform.secretbox import LOCAL_KEY, SecretBox

# what waits for an administrator, one SELECT per kind with the same columns
_APPROVAL_SOURCES = (
    (
        "templates",
        "SELECT 'templates' AS kind, id, account_id, name, channel, body AS detail, created_at FROM templates"
        " WHERE status = 'PENDING' AND channel IN ('WHATSAPP', 'RCS')",
    ),
    (
        "sender-ids",
        "SELECT 'sender-ids' AS kind, id, account_id, sender_id AS name, 'SMS' AS channel,"
        " 'PE ID ' || pe_id AS detail, created_at FROM sender_ids WHERE status = 'PENDING'",
    ),
    (
        "rcs-bots",
        "SELECT 'rcs-bots' AS kind, id, account_id, display_name AS name, 'RCS' AS channel,"
        " '@' || handle || ' (' || bot_id || ')' AS detail, created_at FROM rcs_bots WHERE status = 'PENDING'",
    ),
)


class AccountStore:
    def __init__(self, pool: asyncpg.Pool, box: SecretBox | None = None) -> None:
        self.pool = pool
        self.box = box or SecretBox(LOCAL_KEY)  # provider credentials are stored sealed

    async def sender_ids_page(
        self, account_id: int, *, search: str | None, status: str | None, page: int, page_size: int
    ) -> tuple[list[asyncpg.Record], int]:
        clauses, args = ["account_id = $1"], [account_id]
        if search:
            args.append(_like(search))
            clauses.append(f"(sender_id ILIKE ${len(args)} OR pe_id ILIKE ${len(args)})")
        if status:
            args.append(status)
            clauses.append(f"status = ${len(args)}")
        where = " AND ".join(clauses)
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM sender_ids WHERE {where}", *args)
            rows = await conn.fetch(
                "SELECT id, sender_id, pe_id, status, status_reason, created_at, reviewed_at FROM sender_ids"
                f" WHERE {where} ORDER BY created_at DESC, id DESC"
                f" LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}",
                *args,
            )
        return rows, total

    async def request_sender_id(self, account_id: int, sender_id: str, pe_id: str) -> asyncpg.Record | None:
        """A new request, or a REJECTED one asked again; None when it is pending or approved."""
        return await self.pool.fetchrow(
            "INSERT INTO sender_ids (account_id, sender_id, pe_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (account_id, sender_id) DO UPDATE SET pe_id = EXCLUDED.pe_id, status = 'PENDING',"
            " status_reason = NULL, reviewed_at = NULL, created_at = now() WHERE sender_ids.status = 'REJECTED'"
            " RETURNING id, sender_id, pe_id, status, status_reason, created_at, reviewed_at",
            account_id,
            sender_id,
            pe_id,
        )

    async def review_sender_id(self, row_id: int, status: str, reason: str | None) -> bool:
        result = await self.pool.execute(
            "UPDATE sender_ids SET status = $2, status_reason = $3, reviewed_at = now()"
            " WHERE id = $1 AND status = 'PENDING'",
            row_id,
            status,
            reason,
        )
        return result.endswith("1")

    async def waba_numbers(self, account_id: int) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT id, phone_number, display_name, waba_id, phone_number_id, api_key, status, created_at"
            " FROM waba_numbers WHERE account_id = $1 ORDER BY id",
            account_id,
        )

    async def rcs_bots(self, account_id: int) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT id, display_name, bot_id, handle, api_key, status, status_reason, created_at"
            " FROM rcs_bots WHERE account_id = $1 ORDER BY id",
            account_id,
        )

    async def request_rcs_bot(
        self, account_id: int, display_name: str, bot_id: str, handle: str, api_key: str
    ) -> asyncpg.Record:
        return await self.pool.fetchrow(
            "INSERT INTO rcs_bots (account_id, display_name, bot_id, handle, api_key) VALUES ($1, $2, $3, $4, $5)"
            " RETURNING id, display_name, bot_id, handle, api_key, status, status_reason, created_at",
            account_id,
            display_name,
            bot_id,
            handle,
            self.box.seal(api_key),
        )

    async def review_rcs_bot(self, row_id: int, status: str, reason: str | None) -> bool:
        result = await self.pool.execute(
            "UPDATE rcs_bots SET status = $2, status_reason = $3 WHERE id = $1 AND status = 'PENDING'",
            row_id,
            status,
            reason,
        )
        return result.endswith("1")

    async def approvals_page(
        self, *, kind: str | None, search: str | None, page: int, page_size: int
    ) -> tuple[list[asyncpg.Record], int]:
        """The admin's queue across accounts: PENDING WhatsApp/RCS templates, sender IDs and RCS
        bots in one list, oldest first, searched by the item's or its account's name."""
        branches = [sql for name, sql in _APPROVAL_SOURCES if kind is None or name == kind]
        queue = " UNION ALL ".join(branches)
        clauses, args = ["TRUE"], []
        if search:
            args.append(_like(search))
            clauses.append(f"(q.name ILIKE ${len(args)} OR a.name ILIKE ${len(args)})")
        where = " AND ".join(clauses)
        source = f" FROM ({queue}) q JOIN accounts a ON a.id = q.account_id WHERE {where}"
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*){source}", *args)
            rows = await conn.fetch(
                "SELECT q.kind, q.id, q.account_id, a.name AS account_name, q.name, q.channel, q.detail, q.created_at"
                f"{source} ORDER BY q.created_at, q.id, q.kind"
                f" LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}",
                *args,
            )
        return rows, total

    async def blacklist_page(
        self, account_id: int, *, search: str | None, page: int, page_size: int
    ) -> tuple[list[asyncpg.Record], int]:
        clauses, args = ["account_id = $1"], [account_id]
        if search:
            args.append(_like(search))
            clauses.append(f"recipient LIKE ${len(args)}")
        where = " AND ".join(clauses)
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM blacklist WHERE {where}", *args)
            rows = await conn.fetch(
                f"SELECT recipient, created_at FROM blacklist WHERE {where} ORDER BY created_at DESC, recipient"
                f" LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}",
                *args,
            )
        return rows, total

    async def settings(self, account_id: int) -> asyncpg.Record:
        return await self.pool.fetchrow(
            "SELECT a.webhook_url, a.webhook_secret, a.ip_allowlist, k.key_prefix, k.created_at AS key_created_at"
            " FROM accounts a LEFT JOIN api_keys k ON k.account_id = a.id AND k.revoked_at IS NULL WHERE a.id = $1",
            account_id,
        )

    async def set_webhook_url(self, account_id: int, url: str | None) -> None:
        await self.pool.execute(
            "UPDATE accounts SET webhook_url = $2, updated_at = now() WHERE id = $1", account_id, url
        )
