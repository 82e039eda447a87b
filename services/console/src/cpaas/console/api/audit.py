"""The audit log: every account's entries for an admin (User Management's "Audit log" tab),
the logged-in user's own account's entries for everyone else (Settings). Newest first,
filtered and paged by the server; times are UTC ISO 8601 with their offset, and a `from` or
`to` without an offset is a wall-clock time in the reader's account's time zone."""

import json
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query

from cpaas.console.api.deps import MAX_ID, Admin, ApiModel, Page, PageNo, PageSize, Store, User
from cpaas.console.api.reports import in_zone
from cpaas.console.domain.audit import ACTIONS, AuditFilter, action_filter, time_range
from cpaas.console.store import ConsoleStore


class AuditEntryOut(ApiModel):
    id: int
    at: datetime
    account_id: int | None
    account_name: str | None
    actor_user_id: int | None
    actor: str
    client_address: str | None
    action: str
    changes: dict[str, Any]


class AuditPage(Page):
    items: list[AuditEntryOut]
    actions: list[str]  # the actions the console records (the filter's choices)


def _entry(row) -> AuditEntryOut:
    changes = row["changes"]
    return AuditEntryOut(**{**dict(row), "changes": json.loads(changes) if isinstance(changes, str) else changes})


Since = Annotated[datetime | None, Query(alias="from")]
ActionQuery = Annotated[str | None, Query(max_length=64)]
ActorQuery = Annotated[str | None, Query(max_length=200)]


async def _page(store: ConsoleStore, flt: AuditFilter, page: int, page_size: int) -> AuditPage:
    time_range(flt.since, flt.until)
    rows, total = await store.audit.page(flt, page, page_size)
    items = [_entry(r) for r in rows]
    return AuditPage(items=items, page=page, page_size=page_size, total=total, actions=list(ACTIONS))


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["audit"])

    @router.get("/admin/audit", response_model=AuditPage)
    async def admin_audit(
        store: Store,
        admin: Admin,
        account_id: Annotated[int | None, Query(alias="accountId", ge=1, le=MAX_ID)] = None,
        actor: ActorQuery = None,
        action: ActionQuery = None,
        from_: Since = None,
        to: datetime | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> AuditPage:
        """Every account's entries (or one account's), by actor (part of the username),
        action (an exact name or an area such as `auth`) and time range [from, to)."""
        zone = ZoneInfo(admin.time_zone)
        flt = AuditFilter(account_id, actor or None, action_filter(action), in_zone(from_, zone), in_zone(to, zone))
        return await _page(store, flt, page, page_size)

    @router.get("/account/audit", response_model=AuditPage)
    async def account_audit(
        store: Store,
        user: User,
        actor: ActorQuery = None,
        action: ActionQuery = None,
        from_: Since = None,
        to: datetime | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> AuditPage:
        """The logged-in user's own account's entries, whatever their role (an admin reads
        other accounts' at /api/admin/audit)."""
        zone = ZoneInfo(user.time_zone)
        flt = AuditFilter(
            user.account_id, actor or None, action_filter(action), in_zone(from_, zone), in_zone(to, zone)
        )
        return await _page(store, flt, page, page_size)

    return router
