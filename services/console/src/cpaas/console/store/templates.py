"""SQL of templates: the Templates screen (with each template's identity: WABA number or RCS
bot), creation and re-submits, the admin's review and the providers' verdicts. The console
is the single writer of templates."""

import json
from datetime import datetime

import asyncpg

from cpaas.console.store.paging import fetch_page, like

_COLUMNS = (
    "t.id, t.account_id, t.name, t.channel, t.status, t.status_reason, t.category, t.template_type, t.body,"
    " t.dlt_template_id, t.language, t.content, t.waba_number_id, t.rcs_bot_id, t.provider_status,"
    " t.provider_template_id, t.provider_reason, t.created_at, t.updated_at, w.phone_number AS waba_number, b.display_name AS bot_name,"
    # an SMS template's identity: the account's approved sender IDs (the headers it goes out under)
    " (SELECT string_agg(s.sender_id, ', ' ORDER BY s.sender_id) FROM sender_ids s"
    "   WHERE s.account_id = t.account_id AND s.status = 'APPROVED' AND t.channel = 'SMS') AS sender_ids"
)
_FROM = (
    " FROM templates t LEFT JOIN waba_numbers w ON w.id = t.waba_number_id LEFT JOIN rcs_bots b ON b.id = t.rcs_bot_id"
)


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
        """The account's templates, newest first, searched by name or body."""
        clauses, args = ["t.account_id = $1"], [account_id]
        if search:
            args.append(like(search))
            clauses.append(f"(t.name ILIKE ${len(args)} OR t.body ILIKE ${len(args)})")
        for column, value in (("t.channel", channel), ("t.status", status)):
            if value:
                args.append(value)
                clauses.append(f"{column} = ${len(args)}")
        return await fetch_page(
            self.pool,
            columns=_COLUMNS,
            source=f"{_FROM} WHERE {' AND '.join(clauses)}",
            args=args,
            order="t.created_at DESC, t.id DESC",
            page=page,
            page_size=page_size,
        )

    async def get(self, account_id: int, template_id: int) -> asyncpg.Record | None:
        return await self.pool.fetchrow(
            f"SELECT {_COLUMNS}{_FROM} WHERE t.id = $1 AND t.account_id = $2", template_id, account_id
        )

    async def id_by_name(self, account_id: int, name: str) -> int | None:
        return await self.pool.fetchval(
            "SELECT id FROM templates WHERE account_id = $1 AND name = $2", account_id, name
        )

    async def create(
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
        waba_number_id: int | None = None,
        rcs_bot_id: int | None = None,
    ) -> int:
        """The new template's id; UniqueViolationError when the account has one of that name."""
        return await self.pool.fetchval(
            "INSERT INTO templates (account_id, name, channel, status, category, template_type, body,"
            " dlt_template_id, content, language, waba_number_id, rcs_bot_id)"
            " VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10,$11,$12) RETURNING id",
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
            waba_number_id,
            rcs_bot_id,
        )

    async def resubmit(
        self,
        account_id: int,
        template_id: int,
        *,
        body: str,
        status: str,
        category: str | None,
        template_type: str,
        dlt_template_id: str | None,
        content: dict,
        language: str,
        waba_number_id: int | None,
        rcs_bot_id: int | None,
    ) -> bool:
        """Replaces a REJECTED or FAILED template's parts; it goes back to review with a fresh
        provider state (so the provider's new verdicts apply). False when not re-submittable."""
        result = await self.pool.execute(
            "UPDATE templates SET status = $3, status_reason = NULL, category = $4, template_type = $5, body = $6,"
            " dlt_template_id = $7, content = $8::jsonb, language = $9, waba_number_id = $10, rcs_bot_id = $11,"
            " provider_status = NULL, provider_reason = NULL, provider_updated_at = NULL, updated_at = now()"
            " WHERE id = $1 AND account_id = $2 AND status IN ('REJECTED', 'FAILED')",
            template_id,
            account_id,
            status,
            category,
            template_type,
            body,
            dlt_template_id,
            json.dumps(content),
            language,
            waba_number_id,
            rcs_bot_id,
        )
        return result.endswith("1")

    async def set_identity(self, template_id: int, *, waba_number_id: int | None, rcs_bot_id: int | None) -> None:
        await self.pool.execute(
            "UPDATE templates SET waba_number_id = $2, rcs_bot_id = $3 WHERE id = $1",
            template_id,
            waba_number_id,
            rcs_bot_id,
        )

    async def set_compliance(self, account_id: int, template_id: int, verdict: dict | None) -> None:
        """The compliance check made at (re-)submission; None when it could not be made."""
        await self.pool.execute(
            "UPDATE templates SET compliance = $3::jsonb WHERE id = $1 AND account_id = $2",
            template_id,
            account_id,
            json.dumps(verdict) if verdict is not None else None,
        )

    async def review(self, template_id: int, status: str, reason: str | None) -> bool:
        """An admin's verdict on a PENDING WhatsApp/RCS template; False when there is none such."""
        result = await self.pool.execute(
            "UPDATE templates SET status = $2, status_reason = $3, updated_at = now()"
            " WHERE id = $1 AND status = 'PENDING' AND channel IN ('WHATSAPP', 'RCS')",
            template_id,
            status,
            reason,
        )
        return result.endswith("1")

    async def apply_provider_verdict(
        self,
        template_id: int,
        account_id: int,
        provider_status: str,
        reason: str | None,
        provider_template_id: str | None,
        at: datetime,
    ) -> None:
        """The provider's PENDING, APPROVED or FAILED (domain/templates.provider_status). Idempotent:
        an older verdict than the one applied changes nothing, and FAILED is never followed by
        PENDING; FAILED also fails the template, with the provider's reason."""
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
