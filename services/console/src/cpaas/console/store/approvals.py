"""SQL of the admin's approvals queue: what waits for an administrator across accounts
(PENDING WhatsApp/RCS templates, sender IDs and RCS bots) in one list. A decision is
written by the item's own store (templates, sender_ids, channels)."""

import asyncpg

from cpaas.console.store.paging import fetch_page, like

# a template's parts (its rendering and its compliance check at submission); NULL for the other kinds
_NO_TEMPLATE = " NULL::text AS category, NULL::text AS template_type, NULL::jsonb AS content, NULL::jsonb AS compliance"
# one SELECT per kind with the same columns
_SOURCES = (
    (
        "templates",
        "SELECT 'templates' AS kind, id, account_id, name, channel, body AS detail, created_at,"
        " category, template_type, content, compliance FROM templates"
        " WHERE status = 'PENDING' AND channel IN ('WHATSAPP', 'RCS')",
    ),
    (
        "sender-ids",
        "SELECT 'sender-ids' AS kind, id, account_id, sender_id AS name, 'SMS' AS channel,"
        " 'PE ID ' || pe_id AS detail, created_at,"
        f"{_NO_TEMPLATE} FROM sender_ids WHERE status = 'PENDING'",
    ),
    (
        "rcs-bots",
        "SELECT 'rcs-bots' AS kind, id, account_id, display_name AS name, 'RCS' AS channel,"
        " '@' || handle || ' (' || bot_id || ')' AS detail, created_at,"
        f"{_NO_TEMPLATE} FROM rcs_bots WHERE status = 'PENDING'",
    ),
)


class ApprovalStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def page(
        self, *, kind: str | None, search: str | None, page: int, page_size: int
    ) -> tuple[list[asyncpg.Record], int]:
        """The queue (of one kind, or all), oldest first, searched by the item's or its account's name."""
        queue = " UNION ALL ".join(sql for name, sql in _SOURCES if kind is None or name == kind)
        where, args = "", []
        if search:
            where, args = " WHERE q.name ILIKE $1 OR a.name ILIKE $1", [like(search)]
        return await fetch_page(
            self.pool,
            columns="q.kind, q.id, q.account_id, a.name AS account_name, q.name, q.channel, q.detail, q.created_at,"
            " q.category, q.template_type, q.content, q.compliance",
            source=f" FROM ({queue}) q JOIN accounts a ON a.id = q.account_id{where}",
            args=args,
            order="q.created_at, q.id, q.kind",
            page=page,
            page_size=page_size,
        )

    async def pending_item(self, kind: str, item_id: int) -> asyncpg.Record | None:
        """The PENDING item `item_id` of `kind` (its account, name and detail), or None."""
        [sql] = [sql for name, sql in _SOURCES if name == kind]
        return await self.pool.fetchrow(f"SELECT q.* FROM ({sql}) q WHERE q.id = $1", item_id)
