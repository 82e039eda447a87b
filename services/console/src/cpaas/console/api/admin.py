"""Admin screens (across accounts): the approvals queue, users and accounts, balance
adjustments; and the Billing screen of the logged-in user (both through billing's API)."""

from datetime import datetime
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Header, Query, Request

from cpaas.console.api.deps import Admin, ApiModel, BodyId, Page, PageNo, PageSize, PathId, User, invalid, not_found
from cpaas.console.domain import rules
from cpaas.console.security import new_password
from cpaas.console.services import call_service
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

MAX_REASON_CHARS = 500
MAX_ACCOUNT_NAME_CHARS = 100
ApprovalKind = Literal["templates", "sender-ids", "rcs-bots"]


class Approval(ApiModel):
    kind: ApprovalKind
    id: int
    account_id: int
    account_name: str
    name: str
    channel: str | None = None
    detail: str | None = None
    created_at: datetime


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


class CreatedUser(ApiModel):
    user_id: int
    account_id: int
    password: str  # shown once
    api_key: str | None = None  # a new account's key, shown once


class UserPage(Page):
    items: list[UserRow]


class AccountRow(ApiModel):
    id: int
    name: str
    status: Literal["ACTIVE", "SUSPENDED"]
    users: int
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


class NewPassword(ApiModel):
    password: str


class Adjustment(ApiModel):
    amount_minor: int
    reason: str


async def billing_call(request: Request, method: str, path: str, **kwargs: Any) -> dict:
    state = request.app.state
    response = await call_service(
        state.billing_http, "billing", state.settings.service_token, method, f"/api/v1/billing{path}", **kwargs
    )
    return response.json()


async def _decide(request: Request, kind: str, item_id: int, decision: Decision) -> bool:
    state, approve, reason = request.app.state, decision.decision == "APPROVE", decision.reason
    if kind == "templates":
        return await state.templates.review(item_id, "APPROVED" if approve else "REJECTED", reason)
    if kind == "sender-ids":
        return await state.accounts.review_sender_id(item_id, "APPROVED" if approve else "REJECTED", reason)
    return await state.accounts.review_rcs_bot(item_id, "ACTIVE" if approve else "SUSPENDED", reason)


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["admin", "billing"])

    @router.get("/admin/approvals", response_model=ApprovalPage)
    async def list_approvals(
        request: Request,
        admin: Admin,
        kind: ApprovalKind | None = None,
        search: Annotated[str | None, Query(max_length=100)] = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> ApprovalPage:
        rows, total = await request.app.state.accounts.approvals_page(
            kind=kind, search=search, page=page, page_size=page_size
        )
        items = [Approval(**dict(r)) for r in rows]
        return ApprovalPage(items=items, page=page, page_size=page_size, total=total)

    @router.post("/admin/approvals/{kind}/{item_id}", status_code=204)
    async def decide(kind: ApprovalKind, item_id: PathId, body: Decision, request: Request, admin: Admin) -> None:
        reason = (body.reason or "").strip() or None
        if body.decision == "REJECT" and reason is None:
            raise ApiError(ErrorCode.VALIDATION_ERROR, "a rejection needs a reason the user will see", field="reason")
        if reason and len(reason) > MAX_REASON_CHARS:
            raise ApiError(ErrorCode.VALIDATION_ERROR, f"reason: at most {MAX_REASON_CHARS} characters", field="reason")
        if not await _decide(request, kind, item_id, Decision(decision=body.decision, reason=reason)):
            raise not_found("pending item")

    @router.get("/admin/users", response_model=UserPage)
    async def list_users(
        request: Request,
        admin: Admin,
        search: Annotated[str | None, Query(max_length=100)] = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> UserPage:
        rows, total = await request.app.state.auth.users_page(search, page, page_size)
        items = [UserRow(**{k: v for k, v in dict(r).items() if k != "total"}) for r in rows]
        return UserPage(items=items, page=page, page_size=page_size, total=total)

    @router.get("/admin/accounts", response_model=list[AccountRow])
    async def list_accounts(request: Request, admin: Admin) -> list[AccountRow]:
        return [AccountRow(**dict(r)) for r in await request.app.state.auth.accounts()]

    @router.post("/admin/users", response_model=CreatedUser, status_code=201)
    async def create_user(body: NewUser, request: Request, admin: Admin) -> CreatedUser:
        state = request.app.state
        try:
            rules.username(body.username)
            password = rules.password(body.password) if body.password else new_password()
        except rules.InvalidField as error:
            raise invalid(error) from None
        api_key = None
        new_account = body.account_name.strip() if body.account_name else ""
        if body.account_id is None and not new_account:
            raise ApiError(ErrorCode.VALIDATION_ERROR, "give accountId or a new accountName", field="accountName")
        if len(new_account) > MAX_ACCOUNT_NAME_CHARS:
            raise ApiError(
                ErrorCode.VALIDATION_ERROR, f"at most {MAX_ACCOUNT_NAME_CHARS} characters", field="accountName"
            )
        try:
            if body.account_id is not None:
                account_id = body.account_id
                user_id = await state.auth.create_user(account_id, body.username, password, body.role)
            else:  # the account, its key and the user together: a taken username leaves no orphan account
                user_id, account_id, api_key = await state.auth.create_user_with_account(
                    new_account, body.username, password, body.role
                )
        except asyncpg.UniqueViolationError:
            raise ApiError(ErrorCode.CONFLICT, "this username is taken", field="username") from None
        except asyncpg.ForeignKeyViolationError:
            raise ApiError(ErrorCode.NOT_FOUND, "no such account", field="accountId") from None
        return CreatedUser(user_id=user_id, account_id=account_id, password=password, api_key=api_key)

    @router.post("/admin/users/{user_id}/deactivate", status_code=204)
    async def deactivate(user_id: PathId, request: Request, admin: Admin) -> None:
        if user_id == admin.id:
            raise ApiError(ErrorCode.CONFLICT, "you cannot deactivate yourself")
        if not await request.app.state.auth.set_active(user_id, False):
            raise not_found("user")

    @router.post("/admin/users/{user_id}/activate", status_code=204)
    async def activate(user_id: PathId, request: Request, admin: Admin) -> None:
        if not await request.app.state.auth.set_active(user_id, True):
            raise not_found("user")

    @router.post("/admin/users/{user_id}/reset-password", response_model=NewPassword)
    async def reset_password(user_id: PathId, request: Request, admin: Admin) -> NewPassword:
        password = new_password()
        if not await request.app.state.auth.reset_password(user_id, password):
            raise not_found("user")
        return NewPassword(password=password)

    @router.post("/admin/accounts/{account_id}/balance-adjustments", response_model=LedgerEntry, status_code=201)
    async def adjust_balance(
        account_id: PathId,
        body: Adjustment,
        request: Request,
        admin: Admin,
        idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
    ) -> dict:
        if body.amount_minor == 0:
            raise ApiError(ErrorCode.VALIDATION_ERROR, "amountMinor must not be 0", field="amountMinor")
        if not body.reason.strip():
            raise ApiError(ErrorCode.VALIDATION_ERROR, "a balance adjustment needs a reason", field="reason")
        # billing keeps a balance for any id it is given: the console, which owns accounts, checks first
        if not await request.app.state.auth.account_exists(account_id):
            raise ApiError(ErrorCode.NOT_FOUND, f"no account {account_id}", field="accountId")
        payload = {"amountMinor": body.amount_minor, "reason": body.reason.strip(), "actor": admin.username}
        # the page sends a key per form submit, so a retried request credits once
        headers = {"Idempotency-Key": f"console:{admin.id}:{idempotency_key}"} if idempotency_key else {}
        return await billing_call(request, "POST", f"/accounts/{account_id}/adjustments", json=payload, headers=headers)

    @router.get("/billing")
    async def billing(
        request: Request,
        user: User,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> dict:
        base = f"/accounts/{user.account_id}"
        balance = await billing_call(request, "GET", f"{base}/balance")
        transactions = await billing_call(
            request, "GET", f"{base}/transactions", params={"page": page, "pageSize": page_size}
        )
        return {"balance": balance, "transactions": transactions}

    return router
