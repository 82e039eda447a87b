"""SQL of the Templates screen: the account's templates with their identity, and re-submits."""

import json

import asyncpg

_COLUMNS = (
    "t.id, t.account_id, t.name, t.channel, t.status, t.status_reason, t.category, t.template_type, t.body,"
    " t.dlt_template_id, t.language, t.content, t.waba_number_id, t.rcs_bot_id, t.provider_status,"
    " t.provider_template_id, t.created_at, t.updated_at, w.phone_number AS waba_number, b.display_name AS bot_name"
)
_FROM = (
    " FROM templates t LEFT JOIN waba_numbers w ON w.id = t.waba_number_id LEFT JOIN rcs_bots b ON b.id = t.rcs_bot_id"
)


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


class TemplateStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def page(
        self,
        account_id: int,
        *,
        search: str | None,
        channel: str | None,
        status: str | None,
        page: int,
        page_size: int,
    ) -> tuple[list[asyncpg.Record], int]:
        clauses, args = ["t.account_id = $1"], [account_id]
        if search:
            args.append(_like(search))
            clauses.append(f"(t.name ILIKE ${len(args)} OR t.body ILIKE ${len(args)})")
        for column, value in (("t.channel", channel), ("t.status", status)):
            if value:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        where = " AND ".join(clauses)
        async with self.pool.acquire() as conn:
            total = await conn.fetchval(f"SELECT count(*) FROM templates t WHERE {where}", *args)
            rows = await conn.fetch(
                f"SELECT {_COLUMNS}{_FROM} WHERE {where} ORDER BY t.created_at DESC, t.id DESC"
                f" LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}",
                *args,
            )
        return rows, total

    async def get(self, account_id: int, template_id: int) -> asyncpg.Record | None:
        return await self.pool.fetchrow(
            f"SELECT {_COLUMNS}{_FROM} WHERE t.id = $1 AND t.account_id = $2", template_id, account_id
        )

    async def get_any(self, template_id: int) -> asyncpg.Record | None:
        return await self.pool.fetchrow(f"SELECT {_COLUMNS}{_FROM} WHERE t.id = $1", template_id)

    async def create(self, account_id: int, values: dict) -> int:
        return await self.pool.fetchval(
            "INSERT INTO templates (account_id, name, channel, status, category, template_type, body,"
            " dlt_template_id, content, language, waba_number_id, rcs_bot_id)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10,$11,$12) RETURNING id",
            account_id,
            values["name"],
            values["channel"],
            values["status"],
            values["category"],
            values["template_type"],
            values["body"],
            values["dlt_template_id"],
            json.dumps(values["content"]),
            values["language"],
            values["waba_number_id"],
            values["rcs_bot_id"],
        )

    async def resubmit(self, account_id: int, template_id: int, values: dict) -> bool:
        """Replaces a REJECTED or FAILED template's parts; it goes back to review with a fresh
        provider state (so the provider's new verdicts apply). False when not re-submittable."""
        result = await self.pool.execute(
            "UPDATE templates SET status = $3, status_reason = NULL, category = $4, template_type = $5, body = $6,"
            " dlt_template_id = $7, content = $8::jsonb, language = $9, waba_number_id = $10, rcs_bot_id = $11,"
            " provider_status = NULL, provider_reason = NULL, provider_updated_at = NULL, updated_at = now()"
            " WHERE id = $1 AND account_id = $2 AND status IN ('REJECTED', 'FAILED')",
            template_id,
            account_id,
            values["status"],
            values["category"],
            values["template_type"],
            values["body"],
            values["dlt_template_id"],
            json.dumps(values["content"]),
            values["language"],
            values["waba_number_id"],
            values["rcs_bot_id"],
        )
        return result.endswith("1")

    async def review(self, template_id: int, status: str, reason: str | None) -> bool:
        """An admin's verdict on a PENDING WhatsApp/RCS template."""
        result = await self.pool.execute(
            "UPDATE templates SET status = $2, status_reason = $3, updated_at = now()"
            " WHERE id = $1 AND status = 'PENDING' AND channel IN ('WHATSAPP', 'RCS')",
            template_id,
            status,
            reason,
        )
        return result.endswith("1")

    async def active_waba(self, account_id: int, waba_number_id: int | None) -> int | None:
        return await self.pool.fetchval(
            "SELECT id FROM waba_numbers WHERE account_id = $1 AND status = 'ACTIVE'"
            " AND ($2::bigint IS NULL OR id = $2) ORDER BY id LIMIT 1",
            account_id,
            waba_number_id,
        )

    async def active_bot(self, account_id: int, rcs_bot_id: int | None) -> int | None:
        return await self.pool.fetchval(
            "SELECT id FROM rcs_bots WHERE account_id = $1 AND status = 'ACTIVE'"
            " AND ($2::bigint IS NULL OR id = $2) ORDER BY id LIMIT 1",
            account_id,
            rcs_bot_id,
        )
