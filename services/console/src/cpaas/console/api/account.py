"""The Sender IDs, Channels, Blacklist and Settings screens of the logged-in user's account."""

import secrets
from datetime import datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Query, Request, Response

from cpaas.console.api.deps import ApiModel, Page, PageNo, PageSize, User, invalid, not_found
from cpaas.console.domain import rules
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError
from cpaas.platform.destination import check_webhook_url

SHOWN_KEY_CHARS = 4
SenderIdStatus = Literal["PENDING", "APPROVED", "REJECTED"]


def mask(secret: str) -> str:
    return "•" * 8 + secret[-SHOWN_KEY_CHARS:]


class SenderIdIn(ApiModel):
    sender_id: str
    pe_id: str


class SenderIdOut(ApiModel):
    id: int
    sender_id: str
    pe_id: str
    status: SenderIdStatus
    status_reason: str | None
    created_at: datetime
    reviewed_at: datetime | None


class SenderIdPage(Page):
    items: list[SenderIdOut]


class WabaNumberOut(ApiModel):
    id: int
    phone_number: str
    display_name: str
    waba_id: str
    api_key: str  # masked
    status: Literal["ACTIVE", "INACTIVE"]


class RcsBotIn(ApiModel):
    display_name: str
    handle: str
    bot_id: str | None = None
    api_key: str | None = None


class RcsBotOut(ApiModel):
    id: int
    display_name: str
    bot_id: str
    handle: str
    api_key: str  # masked
    status: Literal["PENDING", "ACTIVE", "SUSPENDED"]
    status_reason: str | None
    created_at: datetime


class BlacklistIn(ApiModel):
    recipient: str


class BlacklistEntry(ApiModel):
    recipient: str
    created_at: datetime


class BlacklistPage(Page):
    items: list[BlacklistEntry]


class SettingsOut(ApiModel):
    api_key_prefix: str | None
    api_key_created_at: datetime | None
    webhook_url: str | None
    webhook_secret: str | None
    ip_allowlist: list[str]


class NewApiKey(ApiModel):
    api_key: str  # shown once
    api_key_prefix: str


class WebhookIn(ApiModel):
    url: str | None


class AllowlistIn(ApiModel):
    entries: list[str]


def _bot(row, box) -> RcsBotOut:
    return RcsBotOut(**{**dict(row), "api_key": mask(box.open(row["api_key"]))})


def _checked(check, *args):
    try:
        return check(*args)
    except rules.InvalidField as error:
        raise invalid(error) from None


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["account"])

    @router.get("/sender-ids", response_model=SenderIdPage)
    async def list_sender_ids(
        request: Request,
        user: User,
        search: Annotated[str | None, Query(max_length=30)] = None,
        status: SenderIdStatus | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> SenderIdPage:
        rows, total = await request.app.state.accounts.sender_ids_page(
            user.account_id, search=search, status=status, page=page, page_size=page_size
        )
        items = [SenderIdOut(**dict(r)) for r in rows]
        return SenderIdPage(items=items, page=page, page_size=page_size, total=total)

    @router.post("/sender-ids", response_model=SenderIdOut, status_code=201)
    async def request_sender_id(body: SenderIdIn, request: Request, user: User) -> SenderIdOut:
        sender_id = _checked(rules.sender_id, body.sender_id)
        pe_id = _checked(rules.pe_id, body.pe_id)
        row = await request.app.state.accounts.request_sender_id(user.account_id, sender_id, pe_id)
        if row is None:
            raise ApiError(ErrorCode.CONFLICT, "this sender ID is already pending or approved", field="senderId")
        return SenderIdOut(**dict(row))

    @router.get("/channels/whatsapp", response_model=list[WabaNumberOut])
    async def list_waba_numbers(request: Request, user: User) -> list[WabaNumberOut]:
        rows = await request.app.state.accounts.waba_numbers(user.account_id)
        box = request.app.state.accounts.box
        return [WabaNumberOut(**{**dict(r), "api_key": mask(box.open(r["api_key"]))}) for r in rows]

    @router.get("/channels/rcs", response_model=list[RcsBotOut])
    async def list_rcs_bots(request: Request, user: User) -> list[RcsBotOut]:
        accounts = request.app.state.accounts
        return [_bot(r, accounts.box) for r in await accounts.rcs_bots(user.account_id)]

    @router.post("/channels/rcs", response_model=RcsBotOut, status_code=201)
    async def request_rcs_bot(body: RcsBotIn, request: Request, user: User) -> RcsBotOut:
        if not 1 <= len(body.display_name.strip()) <= 100:
            raise ApiError(ErrorCode.VALIDATION_ERROR, "displayName must be 1-100 characters", field="displayName")
        if not rules.RCS_HANDLE.match(body.handle):
            raise ApiError(ErrorCode.VALIDATION_ERROR, "handle must be 3-64 of a-z 0-9 _ . -", field="handle")
        try:
            row = await request.app.state.accounts.request_rcs_bot(
                user.account_id,
                body.display_name.strip(),
                body.bot_id or body.handle,
                body.handle,
                body.api_key or secrets.token_urlsafe(24),
            )
        except asyncpg.UniqueViolationError:
            raise ApiError(ErrorCode.CONFLICT, "this bot handle or bot ID is taken", field="handle") from None
        return _bot(row, request.app.state.accounts.box)

    @router.get("/blacklist", response_model=BlacklistPage)
    async def list_blacklist(
        request: Request,
        user: User,
        search: Annotated[str | None, Query(max_length=20)] = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> BlacklistPage:
        rows, total = await request.app.state.accounts.blacklist_page(
            user.account_id, search=search, page=page, page_size=page_size
        )
        items = [BlacklistEntry(**dict(r)) for r in rows]
        return BlacklistPage(items=items, page=page, page_size=page_size, total=total)

    @router.post("/blacklist", response_model=BlacklistIn, status_code=201)
    async def add_to_blacklist(body: BlacklistIn, request: Request, user: User) -> BlacklistIn:
        recipient = _checked(rules.e164, body.recipient)
        await request.app.state.store.add_to_blacklist(user.account_id, recipient)
        return BlacklistIn(recipient=recipient)

    @router.delete("/blacklist/{recipient}", status_code=204)
    async def remove_from_blacklist(recipient: str, request: Request, user: User) -> Response:
        recipient = _checked(rules.e164, recipient)
        if not await request.app.state.store.remove_from_blacklist(user.account_id, recipient):
            raise not_found("blacklisted number")
        return Response(status_code=204)

    @router.get("/settings", response_model=SettingsOut)
    async def get_settings(request: Request, user: User) -> SettingsOut:
        row = await request.app.state.accounts.settings(user.account_id)
        return SettingsOut(
            api_key_prefix=row["key_prefix"],
            api_key_created_at=row["key_created_at"],
            webhook_url=row["webhook_url"],
            webhook_secret=row["webhook_secret"],
            ip_allowlist=list(row["ip_allowlist"]),
        )

    @router.post("/settings/api-key/rotate", response_model=NewApiKey)
    async def rotate_api_key(request: Request, user: User) -> NewApiKey:
        key = await request.app.state.store.rotate_api_key(user.account_id)
        row = await request.app.state.accounts.settings(user.account_id)
        return NewApiKey(api_key=key, api_key_prefix=row["key_prefix"])

    @router.put("/settings/webhook", response_model=SettingsOut)
    async def set_webhook(body: WebhookIn, request: Request, user: User) -> SettingsOut:
        """The URL must be http(s) without credentials, and its host must be or resolve to public
        addresses only (not loopback, private, link-local, CGNAT, multicast or reserved ones),
        else 422 WEBHOOK_URL_NOT_ALLOWED saying why. It is checked again before every POST."""
        url = body.url or None
        if url is not None:
            refusal = await check_webhook_url(url, request.app.state.settings)
            if refusal is not None:
                raise ApiError(
                    ErrorCode.WEBHOOK_URL_NOT_ALLOWED, f"this webhook URL is refused: {refusal}", field="url"
                )
        await request.app.state.accounts.set_webhook_url(user.account_id, url)
        return await get_settings(request, user)

    @router.put("/settings/ip-allowlist", response_model=SettingsOut)
    async def set_ip_allowlist(body: AllowlistIn, request: Request, user: User) -> SettingsOut:
        entries = _checked(rules.ip_allowlist, body.entries)
        await request.app.state.store.set_ip_allowlist(user.account_id, entries)
        return await get_settings(request, user)

    return router
