"""The Sender IDs, Channels, Blacklist and Settings screens of the logged-in user's account."""

from datetime import datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Query, Response

from cpaas.console import demo_credentials
from cpaas.console.api.deps import Acting, ApiModel, Page, PageNo, PageSize, Settings, Store, User, not_found
from cpaas.console.domain import accounts, blacklist, channels, sender_ids
from cpaas.console.domain.audit import Action, Entry
from cpaas.console.providers import Providers
from cpaas.console.store import ConsoleStore
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
    """The bot's agent id and secret are the RBM platform's answer to its creation."""

    display_name: str
    handle: str


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
    time_zone: str  # IANA name: the console's dates and "today" are in it


class NewApiKey(ApiModel):
    api_key: str  # shown once
    api_key_prefix: str


class WebhookIn(ApiModel):
    url: str | None


class AllowlistIn(ApiModel):
    entries: list[str]


class TimeZoneIn(ApiModel):
    time_zone: str


def _waba(row, box) -> WabaNumberOut:
    return WabaNumberOut(**{**dict(row), "api_key": mask(box.open(row["api_key"]))})


def _bot(row, box) -> RcsBotOut:
    return RcsBotOut(**{**dict(row), "api_key": mask(box.open(row["api_key"]))})


def _settings_out(row) -> SettingsOut:
    return SettingsOut(
        api_key_prefix=row["key_prefix"],
        api_key_created_at=row["key_created_at"],
        webhook_url=row["webhook_url"],
        webhook_secret=row["webhook_secret"],
        ip_allowlist=list(row["ip_allowlist"]),
        time_zone=row["time_zone"],
    )


# the rules of requests that the Sender IDs and Blacklist screens and the public API share
async def sender_id_requested(store: ConsoleStore, account_id: int, body: SenderIdIn) -> SenderIdOut:
    sender_id, pe_id = sender_ids.sender_id(body.sender_id), sender_ids.pe_id(body.pe_id)
    row = await store.sender_ids.request(account_id, sender_id, pe_id)
    if row is None:
        raise ApiError(ErrorCode.CONFLICT, "this sender ID is already pending or approved", field="senderId")
    return SenderIdOut(**dict(row))


async def blacklisted(store: ConsoleStore, account_id: int, body: BlacklistIn) -> BlacklistIn:
    recipient = blacklist.recipient(body.recipient)
    await store.blacklist.add(account_id, recipient)
    return BlacklistIn(recipient=recipient)


async def unblacklisted(store: ConsoleStore, account_id: int, recipient: str) -> None:
    if not await store.blacklist.remove(account_id, blacklist.recipient(recipient)):
        raise not_found("blacklisted number")


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["account"])

    @router.get("/sender-ids", response_model=SenderIdPage)
    async def list_sender_ids(
        store: Store,
        user: User,
        search: Annotated[str | None, Query(max_length=30)] = None,
        status: SenderIdStatus | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> SenderIdPage:
        rows, total = await store.sender_ids.page(
            user.account_id, search=search, status=status, page=page, page_size=page_size
        )
        items = [SenderIdOut(**dict(r)) for r in rows]
        return SenderIdPage(items=items, page=page, page_size=page_size, total=total)

    @router.post("/sender-ids", response_model=SenderIdOut, status_code=201)
    async def request_sender_id(body: SenderIdIn, store: Store, user: User) -> SenderIdOut:
        return await sender_id_requested(store, user.account_id, body)

    @router.get("/channels/whatsapp", response_model=list[WabaNumberOut])
    async def list_waba_numbers(store: Store, user: User) -> list[WabaNumberOut]:
        return [_waba(r, store.channels.box) for r in await store.channels.waba_numbers(user.account_id)]

    @router.get("/channels/rcs", response_model=list[RcsBotOut])
    async def list_rcs_bots(store: Store, user: User) -> list[RcsBotOut]:
        return [_bot(r, store.channels.box) for r in await store.channels.rcs_bots(user.account_id)]

    @router.post("/channels/rcs", response_model=RcsBotOut, status_code=201)
    async def request_rcs_bot(
        body: RcsBotIn, store: Store, providers: Providers, user: User, actor: Acting
    ) -> RcsBotOut:
        """The bot is created on the RBM platform (its agent id and secret come from there; the
        secret is stored sealed) and is PENDING until an admin activates it, which launches it."""
        display_name, handle = channels.bot_display_name(body.display_name), channels.bot_handle(body.handle)
        agent = await providers.create_rbm_agent(display_name, handle)
        try:
            row = await store.channels.request_rcs_bot(user.account_id, display_name, agent.agent_id, handle, agent.secret)
        except asyncpg.UniqueViolationError:
            raise ApiError(ErrorCode.CONFLICT, "this bot handle or bot ID is taken", field="handle") from None
        changes = {"id": row["id"], "displayName": display_name, "handle": handle, "botId": row["bot_id"]}
        await store.audit.record(Action.RCS_BOT_REQUESTED, actor, user.account_id, changes)
        return _bot(row, store.channels.box)

    @router.get("/blacklist", response_model=BlacklistPage)
    async def list_blacklist(
        store: Store,
        user: User,
        search: Annotated[str | None, Query(max_length=20)] = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> BlacklistPage:
        rows, total = await store.blacklist.page(user.account_id, search=search, page=page, page_size=page_size)
        items = [BlacklistEntry(**dict(r)) for r in rows]
        return BlacklistPage(items=items, page=page, page_size=page_size, total=total)

    @router.post("/blacklist", response_model=BlacklistIn, status_code=201)
    async def add_to_blacklist(body: BlacklistIn, store: Store, user: User) -> BlacklistIn:
        return await blacklisted(store, user.account_id, body)

    @router.delete("/blacklist/{recipient}", status_code=204)
    async def remove_from_blacklist(recipient: str, store: Store, user: User) -> Response:
        await unblacklisted(store, user.account_id, recipient)
        return Response(status_code=204)

    @router.get("/settings", response_model=SettingsOut)
    async def get_settings(store: Store, user: User) -> SettingsOut:
        out = _settings_out(await store.accounts.settings(user.account_id))
        return out.model_copy(update={"webhook_secret": store.webhook_secrets.masked(out.webhook_secret)})

    @router.post("/settings/api-key/rotate", response_model=NewApiKey)
    async def rotate_api_key(store: Store, settings: Settings, user: User, actor: Acting) -> NewApiKey:
        before = await store.accounts.settings(user.account_id)
        audit = Entry(Action.API_KEY_ROTATED, actor, user.account_id, {"revokedKeyPrefix": before["key_prefix"]})
        key = await store.accounts.rotate_api_key(user.account_id, audit=audit)
        demo_credentials.update(settings.demo_credentials_file, user.account_id, apiKey=key)  # make run's file
        row = await store.accounts.settings(user.account_id)
        return NewApiKey(api_key=key, api_key_prefix=row["key_prefix"])

    @router.put("/settings/webhook", response_model=SettingsOut)
    async def set_webhook(body: WebhookIn, store: Store, settings: Settings, user: User, actor: Acting) -> SettingsOut:
        """The URL must be http(s) without credentials, and its host must be or resolve to public
        addresses only (not loopback, private, link-local, CGNAT, multicast or reserved ones),
        else 422 WEBHOOK_URL_NOT_ALLOWED saying why. It is checked again before every POST."""
        url = body.url or None
        if url is not None:
            refusal = await check_webhook_url(url, settings)
            if refusal is not None:
                raise ApiError(
                    ErrorCode.WEBHOOK_URL_NOT_ALLOWED, f"this webhook URL is refused: {refusal}", field="url"
                )
        before = await store.accounts.settings(user.account_id)
        changes = {"webhookUrl": {"from": before["webhook_url"], "to": url}}
        audit = Entry(Action.WEBHOOK_URL_CHANGED, actor, user.account_id, changes)
        await store.accounts.set_webhook_url(user.account_id, url, audit=audit)
        return await get_settings(store, user)

    @router.put("/settings/ip-allowlist", response_model=SettingsOut)
    async def set_ip_allowlist(body: AllowlistIn, store: Store, user: User, actor: Acting) -> SettingsOut:
        entries = accounts.ip_allowlist(body.entries)
        before = await store.accounts.settings(user.account_id)
        changes = {"ipAllowlist": {"from": list(before["ip_allowlist"]), "to": entries}}
        audit = Entry(Action.IP_ALLOWLIST_CHANGED, actor, user.account_id, changes)
        await store.accounts.set_ip_allowlist(user.account_id, entries, audit=audit)
        return await get_settings(store, user)

    @router.put("/settings/time-zone", response_model=SettingsOut)
    async def set_time_zone(body: TimeZoneIn, store: Store, user: User, actor: Acting) -> SettingsOut:
        """The account's IANA time zone (Asia/Kolkata, Europe/London, UTC...): the Dashboard's
        "today", the Reports date filters, the CSV export and the console's dates use it;
        the API's times stay UTC. Any of the account's users may change it."""
        zone = accounts.time_zone(body.time_zone)
        before = await store.accounts.time_zone(user.account_id)
        changes = {"timeZone": {"from": before, "to": zone}}
        await store.accounts.set_time_zone(
            user.account_id, zone, audit=Entry(Action.TIME_ZONE_CHANGED, actor, user.account_id, changes)
        )
        return await get_settings(store, user)

    return router
