"""Admin screens (across accounts): the approvals queue, users and accounts, balance
adjustments; and the Billing screen of the logged-in user (both through billing's API)."""

import json
from datetime import datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Header, Query

from cpaas.console.api.ai import StoredCompliance
from cpaas.console.api.deps import (
    Acting,
    Admin,
    ApiModel,
    Apis,
    BodyId,
    Page,
    PageNo,
    PageSize,
    PathId,
    Store,
    User,
    not_found,
)
from cpaas.console.domain import accounts, approvals, users
from cpaas.console.domain.audit import Action
from cpaas.console.domain.billing import adjustment
from cpaas.console.domain.credentials import new_password
from cpaas.console.providers import Providers
from cpaas.console.store import ConsoleStore
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

ApprovalKind = Literal["templates", "sender-ids", "rcs-bots"]


class ApprovalTemplate(ApiModel):
    """What a template under review shows: its parts, rendered as its form's preview does, and
    its compliance check at submission (None when the ai service could not be reached then)."""

    category: str | None
    template_type: str
    body: str
    content: dict
    compliance: StoredCompliance | None


class Approval(ApiModel):
    kind: ApprovalKind
    id: int
    account_id: int
    account_name: str
    name: str
    channel: str | None = None
    detail: str | None = None
    created_at: datetime
    template: ApprovalTemplate | None = None  # templates only


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def approval_out(row) -> Approval:
    item = {k: row[k] for k in ("kind", "id", "account_id", "account_name", "name", "channel", "detail", "created_at")}
    if row["kind"] == "templates":
        item["template"] = ApprovalTemplate(
            category=row["category"],
            template_type=row["template_type"],
            body=row["detail"],
            content=_json(row["content"]) or {},
            compliance=_json(row["compliance"]),
        )
    return Approval(**item)


class ApprovalPage(Page):
    items: list[Approval]


class Decision(ApiModel):
    decision: Literal["APPROVE", "REJECT"]
    reason: str | None = None


class UserRow(ApiModel):
    id: int
    username: str
    role: Literal["admin", "user"]
    account_id: int
    account_name: str
    active: bool
    locked: bool
    created_at: datetime


class NewUser(ApiModel):
    username: str
    role: Literal["admin", "user"] = "user"
    password: str | None = None
    account_id: BodyId | None = None  # an existing account, or
    account_name: str | None = None  # a new one
    time_zone: str | None = None  # a new account's IANA time zone (default Asia/Kolkata)


class CreatedUser(ApiModel):
    user_id: int
    account_id: int
    password: str  # shown once
    api_key: str | None = None  # a new account's key, shown once
    webhook_secret: str | None = None  # a new account's webhook signing secret, shown once


class UserPage(Page):
    items: list[UserRow]


class AccountRow(ApiModel):
    id: int
    name: str
    status: Literal["ACTIVE", "SUSPENDED"]
    users: int
    time_zone: str
    created_at: datetime


class LedgerEntry(ApiModel):
    """Billing's ledger entry of an adjustment."""

    id: int
    kind: Literal["CHARGE", "CREDIT", "DEBIT"]
    amount_minor: int
    balance_after_minor: int
    currency: str
    created_at: datetime
    reason: str | None = None
    actor: str | None = None


class PriceOut(ApiModel):
    """One price of the account's list (billing's)."""

    price_code: str
    channel: Literal["SMS", "WHATSAPP", "RCS", "VOICE"]
    category: str | None  # WhatsApp: UIC, MIC, SIC, Auth, Auth INT
    message_type: str
    unit: str
    description: str
    amount_minor: int
    currency: str


class PriceList(ApiModel):
    currency: str
    items: list[PriceOut]


class NewPassword(ApiModel):
    password: str


class Adjustment(ApiModel):
    amount_minor: int
    reason: str


def _reviewer(store: ConsoleStore, kind: str):
    """The store method that writes a decision on an item of `kind`."""
    return {
        "templates": store.templates.review,
        "sender-ids": store.sender_ids.review,
        "rcs-bots": store.channels.review_rcs_bot,
    }[kind]


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["admin", "billing"])

    @router.get("/admin/approvals", response_model=ApprovalPage)
    async def list_approvals(
        store: Store,
        admin: Admin,
        kind: ApprovalKind | None = None,
        search: Annotated[str | None, Query(max_length=100)] = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> ApprovalPage:
        rows, total = await store.approvals.page(kind=kind, search=search, page=page, page_size=page_size)
        items = [approval_out(r) for r in rows]
        return ApprovalPage(items=items, page=page, page_size=page_size, total=total)

    @router.post("/admin/approvals/{kind}/{item_id}", status_code=204)
    async def decide(
        kind: ApprovalKind,
        item_id: PathId,
        body: Decision,
        store: Store,
        providers: Providers,
        admin: Admin,
        actor: Acting,
    ) -> None:
        """Activating an RCS bot launches its agent on the RBM platform first (a refusal there
        is 422 CHANNEL_NOT_CONFIGURED with RBM's reason, and the bot stays PENDING)."""
        approve = body.decision == "APPROVE"
        reason = approvals.reason(approve, body.reason)
        item = await store.approvals.pending_item(kind, item_id)
        status = approvals.decided_status(kind, approve)
        bot = await store.channels.pending_bot(item_id) if kind == "rcs-bots" and approve else None
        if bot is not None:
            await providers.launch_rbm_agent(bot["bot_id"])
            await store.channels.mark_launched(item_id)
        if item is None or not await _reviewer(store, kind)(item_id, status, reason):
            raise not_found("pending item")
        changes = {"kind": kind, "id": item_id, "name": item["name"], "status": status, "reason": reason}
        await store.audit.record(Action.APPROVED if approve else Action.REJECTED, actor, item["account_id"], changes)

    @router.get("/admin/users", response_model=UserPage)
    async def list_users(
        store: Store,
        admin: Admin,
        search: Annotated[str | None, Query(max_length=100)] = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> UserPage:
        rows, total = await store.users.page(search, page, page_size)
        return UserPage(items=[UserRow(**dict(r)) for r in rows], page=page, page_size=page_size, total=total)

    @router.get("/admin/accounts", response_model=list[AccountRow])
    async def list_accounts(store: Store, admin: Admin) -> list[AccountRow]:
        return [AccountRow(**dict(r)) for r in await store.accounts.listing()]

    @router.post("/admin/users", response_model=CreatedUser, status_code=201)
    async def create_user(body: NewUser, store: Store, admin: Admin, actor: Acting) -> CreatedUser:
        username = users.username(body.username)
        password = users.password(body.password) if body.password else new_password()
        given_name = (body.account_name or "").strip()
        new_account = accounts.account_name(given_name) if body.account_id is None or given_name else None
        time_zone = accounts.time_zone(body.time_zone)
        api_key = None
        try:
            if body.account_id is not None:
                account_id = body.account_id
                user_id = await store.users.create(account_id, username, password, body.role, actor=actor)
            else:  # the account, its key and the user together: a taken username leaves no orphan account
                user_id, account_id, api_key = await store.users.create_with_account(
                    new_account, username, password, body.role, time_zone=time_zone, actor=actor
                )
        except asyncpg.UniqueViolationError:
            raise ApiError(ErrorCode.CONFLICT, "this username is taken", field="username") from None
        except asyncpg.ForeignKeyViolationError:
            raise ApiError(ErrorCode.NOT_FOUND, "no such account", field="accountId") from None
        # a new account's own webhook signing secret, shown once here (masked in its Settings)
        webhook_secret = await store.webhook_secrets.issue(account_id) if api_key is not None else None
        return CreatedUser(
            user_id=user_id, account_id=account_id, password=password, api_key=api_key, webhook_secret=webhook_secret
        )

    @router.post("/admin/users/{user_id}/deactivate", status_code=204)
    async def deactivate(user_id: PathId, store: Store, admin: Admin, actor: Acting) -> None:
        if user_id == admin.id:
            raise ApiError(ErrorCode.CONFLICT, "you cannot deactivate yourself")
        if not await store.users.set_active(user_id, False, actor=actor):
            raise not_found("user")

    @router.post("/admin/users/{user_id}/activate", status_code=204)
    async def activate(user_id: PathId, store: Store, admin: Admin, actor: Acting) -> None:
        if not await store.users.set_active(user_id, True, actor=actor):
            raise not_found("user")

    @router.post("/admin/users/{user_id}/reset-password", response_model=NewPassword)
    async def reset_password(user_id: PathId, store: Store, admin: Admin, actor: Acting) -> NewPassword:
        password = new_password()
        if not await store.users.reset_password(user_id, password, actor=actor):
            raise not_found("user")
        return NewPassword(password=password)

    @router.post("/admin/accounts/{account_id}/balance-adjustments", response_model=LedgerEntry, status_code=201)
    async def adjust_balance(
        account_id: PathId,
        body: Adjustment,
        store: Store,
        apis: Apis,
        admin: Admin,
        actor: Acting,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict:
        reason = adjustment(body.amount_minor, body.reason)
        # billing keeps a balance for any id it is given: the console, which owns accounts, checks first
        if not await store.accounts.exists(account_id):
            raise ApiError(ErrorCode.NOT_FOUND, f"no account {account_id}", field="accountId")
        payload = {"amountMinor": body.amount_minor, "reason": reason, "actor": admin.username}
        # the page sends a key per form submit, so a retried request credits once
        headers = {"Idempotency-Key": f"console:{admin.id}:{idempotency_key}"} if idempotency_key else {}
        entry = await apis.billing("POST", f"/accounts/{account_id}/adjustments", json=payload, headers=headers)
        # billing's ledger is another service's database: recorded once billing has answered
        changes = {
            "ledgerEntryId": entry.get("id"),
            "kind": entry.get("kind"),
            "amountMinor": body.amount_minor,
            "currency": entry.get("currency"),
            "balanceAfterMinor": entry.get("balanceAfterMinor"),
            "reason": reason,
        }
        await store.audit.record(Action.BALANCE_ADJUSTED, actor, account_id, changes)
        return entry

    @router.get("/billing/prices", response_model=PriceList)
    async def billing_prices(apis: Apis, user: User) -> PriceList:
        """The logged-in user's account's price list: per channel, category (UIC, MIC, SIC,
        Auth, Auth INT for WhatsApp) and message type, from billing."""
        return PriceList.model_validate(await apis.billing("GET", f"/accounts/{user.account_id}/prices"))

    @router.get("/billing")
    async def billing(apis: Apis, user: User, page: PageNo = 1, page_size: PageSize = 20) -> dict:
        base = f"/accounts/{user.account_id}"
        balance = await apis.billing("GET", f"{base}/balance")
        transactions = await apis.billing("GET", f"{base}/transactions", params={"page": page, "pageSize": page_size})
        return {"balance": balance, "transactions": transactions}

    return router
