"""SQL of an account's SMS sender IDs (DLT headers with their Principal Entity ID) and the
admin's review of them."""

import asyncpg

from cpaas.console.store.paging import fetch_page, like

_COLUMNS = "id, sender_id, pe_id, status, status_reason, created_at, reviewed_at"


class SenderIdStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def page(
        self, account_id: int, *, search: str | None, status: str | None, page: int, page_size: int
    ) -> tuple[list[asyncpg.Record], int]:
        """The account's sender IDs, newest request first, searched by sender ID or PE ID."""
        clauses, args = ["account_id = $1"], [account_id]
        if search:
            args.append(like(search))
            clauses.append(f"(sender_id ILIKE ${len(args)} OR pe_id ILIKE ${len(args)})")
        if status:
            args.append(status)
            clauses.append(f"status = ${len(args)}")
        return await fetch_page(
            self.pool,
            columns=_COLUMNS,
            source=f" FROM sender_ids WHERE {' AND '.join(clauses)}",
            args=args,
            order="created_at DESC, id DESC",
            page=page,
            page_size=page_size,
        )

    async def request(self, account_id: int, sender_id: str, pe_id: str) -> asyncpg.Record | None:
        """A new request, or a REJECTED one asked again; None when it is pending or approved."""
        return await self.pool.fetchrow(
            "INSERT INTO sender_ids (account_id, sender_id, pe_id) VALUES ($1, $2, $3)"
            " ON CONFLICT (account_id, sender_id) DO UPDATE SET pe_id = EXCLUDED.pe_id, status = 'PENDING',"
            " status_reason = NULL, reviewed_at = NULL, created_at = now() WHERE sender_ids.status = 'REJECTED'"
            f" RETURNING {_COLUMNS}",
            account_id,
            sender_id,
            pe_id,
        )

    async def review(self, row_id: int, status: str, reason: str | None) -> bool:
        """An admin's verdict on a PENDING request; False when there is none such."""
        result = await self.pool.execute(
            "UPDATE sender_ids SET status = $2, status_reason = $3, reviewed_at = now()"
            " WHERE id = $1 AND status = 'PENDING'",
            row_id,
            status,
            reason,
        )
        return result.endswith("1")

    async def ensure_approved(self, account_id: int, sender_id: str, pe_id: str) -> int:
        """The sender ID's id, APPROVED with this PE ID whatever it was before (seeding)."""
        return await self.pool.fetchval(
            "INSERT INTO sender_ids (account_id, sender_id, pe_id, status, reviewed_at)"
            " VALUES ($1, $2, $3, 'APPROVED', now())"
            " ON CONFLICT (account_id, sender_id) DO UPDATE SET pe_id = EXCLUDED.pe_id, status = 'APPROVED',"
            " status_reason = NULL, reviewed_at = now() RETURNING id",
            account_id,
            sender_id,
            pe_id,
        )
