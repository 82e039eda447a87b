"""The Templates screen: list (server-side search and pagination), create, edit and
re-submit a rejected or failed one, and the live preview (SMS encoding and segments).

The rules are domain/templates.py; a WhatsApp or RCS template is checked against the
account's active WABA number or bot, and published on template.submitted so its
connector registers it with the provider."""

import dataclasses
import json
from datetime import UTC, datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Query
from pydantic import Field

from cpaas.console.api.ai import ComplianceGate, Gate
from cpaas.console.api.deps import (
    ApiModel,
    BodyId,
    Page,
    PageNo,
    PageSize,
    PathId,
    Publisher,
    Settings,
    Store,
    User,
    not_found,
)
from cpaas.console.domain import templates as rules
from cpaas.console.domain.languages import template_language
from cpaas.console.domain.preview import preview
from cpaas.console.domain.templates import REVIEWED_CHANNELS, TemplateDraft
from cpaas.console.store import ConsoleStore
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.events import TemplateSubmittedV1
from cpaas.contracts.topics import TEMPLATE_SUBMITTED
from cpaas.platform.api_errors import ApiError
from cpaas.platform.broker import EventPublisher

ChannelName = Literal["SMS", "WHATSAPP", "RCS", "VOICE"]
TemplateStatus = Literal["PENDING", "APPROVED", "REJECTED", "FAILED"]
PREVIEW_CHARS = 80
DRAFTED = {"body", "category", "template_type", "dlt_template_id", "language", "content"}  # domain.templates.draft
# what template.submitted carries of the template as answered (its ids and time are set apart)
SUBMITTED = set(TemplateSubmittedV1.model_fields) - {"template_id", "account_id", "submitted_at"}


class TemplateEdit(ApiModel):
    body: str
    category: str | None = None
    template_type: str | None = None
    dlt_template_id: str | None = None
    language: str = "en"
    content: dict = {}
    waba_number_id: BodyId | None = None
    rcs_bot_id: BodyId | None = None
    confirm_high_risk: bool = Field(
        False, description="Submit even though the compliance check rates the template HIGH risk"
    )


class _NameAndChannel(ApiModel):
    name: str
    channel: ChannelName


# a new template: its name and channel, then the parts an edit may change (fields in that order)
class TemplateIn(TemplateEdit, _NameAndChannel):
    pass


class TemplateOut(ApiModel):
    id: int
    name: str
    channel: ChannelName
    content_preview: str
    # WhatsApp: the WABA number; RCS: the bot; SMS: the approved sender IDs (else the DLT ID); voice: the caller ID
    identity: str | None
    category: str | None
    template_type: str
    status: TemplateStatus  # the admin's review (SMS and voice: APPROVED at once)
    status_reason: str | None
    # WhatsApp and RCS: the provider's own review (Meta, RBM), None until registered
    provider_status: Literal["PENDING", "APPROVED", "FAILED"] | None = None
    provider_reason: str | None = None
    usable: bool = False  # may be sent: the admin and (WhatsApp, RCS) the provider approved it
    created_at: datetime
    updated_at: datetime
    body: str
    dlt_template_id: str | None
    language: str
    content: dict
    waba_number_id: int | None
    rcs_bot_id: int | None
    placeholders: int


class TemplatePage(Page):
    items: list[TemplateOut]


class PreviewIn(ApiModel):
    channel: ChannelName
    body: str


class PreviewOut(ApiModel):
    characters: int
    placeholders: int
    encoding: Literal["GSM-7", "UCS-2"] | None
    segments: int | None


def usable(channel: str, status: str, provider_status: str | None) -> bool:
    """Both steps passed: the admin's review and, for WhatsApp and RCS, the provider's (the
    gateway refuses the rest with TEMPLATE_NOT_APPROVED or TEMPLATE_NOT_APPROVED_BY_PROVIDER)."""
    return status == "APPROVED" and (channel not in REVIEWED_CHANNELS or provider_status == "APPROVED")


def template_out(row, caller_id: str | None = None) -> TemplateOut:
    """`caller_id`: the voice connector's (the console's `voice_caller_id`), a voice template's identity."""
    body = row["body"]
    return TemplateOut(
        id=row["id"],
        name=row["name"],
        channel=row["channel"],
        content_preview=body if len(body) <= PREVIEW_CHARS else body[: PREVIEW_CHARS - 1] + "…",
        identity=rules.identity(
            row["channel"],
            waba_number=row["waba_number"],
            bot_name=row["bot_name"],
            sender_ids=row.get("sender_ids"),
            dlt_template_id=row["dlt_template_id"],
            caller_id=caller_id,
        ),
        category=row["category"],
        template_type=row["template_type"],
        status=row["status"],
        status_reason=row["status_reason"],
        provider_status=row["provider_status"],
        provider_reason=row["provider_reason"],
        usable=usable(row["channel"], row["status"], row["provider_status"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        body=body,
        dlt_template_id=row["dlt_template_id"],
        language=row["language"],
        content=json.loads(row["content"]) if isinstance(row["content"], str) else row["content"],
        waba_number_id=row["waba_number_id"],
        rcs_bot_id=row["rcs_bot_id"],
        placeholders=preview(row["channel"], body).placeholders,
    )


async def _draft(store: ConsoleStore, account_id: int, channel: str, body: TemplateEdit) -> TemplateDraft:
    """The template's checked parts with its identity, or the refusal naming the field at fault."""
    template_language(body.language)
    draft = rules.draft(channel, **body.model_dump(include=DRAFTED))
    if channel == "WHATSAPP":
        waba = await store.channels.active_waba(account_id, body.waba_number_id)
        if waba is None:
            raise ApiError(ErrorCode.CHANNEL_NOT_CONFIGURED, "no active WABA number", field="wabaNumberId")
        return dataclasses.replace(draft, waba_number_id=waba)
    if channel == "RCS":
        bot = await store.channels.active_bot(account_id, body.rcs_bot_id)
        if bot is None:
            raise ApiError(ErrorCode.CHANNEL_NOT_CONFIGURED, "no active RCS bot", field="rcsBotId")
        return dataclasses.replace(draft, rcs_bot_id=bot)
    return draft


async def _reviewed(publisher: EventPublisher, row) -> TemplateOut:
    """The template as answered; a WhatsApp or RCS one is published for its connector first."""
    out = template_out(row)
    if out.channel in REVIEWED_CHANNELS:
        event = TemplateSubmittedV1(
            template_id=out.id,
            account_id=row["account_id"],
            submitted_at=datetime.now(UTC),
            **out.model_dump(include=SUBMITTED),
        )
        await publisher.publish(TEMPLATE_SUBMITTED.name, event, subject=str(out.id))
    return out


async def create(
    store: ConsoleStore,
    publisher: EventPublisher,
    account_id: int,
    body: TemplateIn,
    gate: ComplianceGate | None = None,
) -> TemplateOut:
    """A new template of the account (this screen's form and the public API's create); with a
    gate, checked for compliance first (the verdict is stored with it)."""
    name = rules.template_name(body.name)
    draft = await _draft(store, account_id, body.channel, body)
    verdict = await gate.verdict(body.channel, draft, confirmed=body.confirm_high_risk) if gate else None
    try:
        template_id = await store.templates.create(
            account_id, name=name, channel=body.channel, **dataclasses.asdict(draft)
        )
    except asyncpg.UniqueViolationError:
        raise ApiError(ErrorCode.CONFLICT, "a template with this name exists", field="name") from None
    if verdict is not None:
        await store.templates.set_compliance(account_id, template_id, verdict)
    return await _reviewed(publisher, await store.templates.get(account_id, template_id))


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/templates", tags=["templates"])

    @router.get("", response_model=TemplatePage)
    async def list_templates(
        store: Store,
        settings: Settings,
        user: User,
        search: Annotated[str | None, Query(max_length=100)] = None,
        channel: ChannelName | None = None,
        status: TemplateStatus | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> TemplatePage:
        rows, total = await store.templates.page(
            user.account_id, search=search, channel=channel, status=status, page=page, page_size=page_size
        )
        items = [template_out(r, settings.voice_caller_id) for r in rows]
        return TemplatePage(items=items, page=page, page_size=page_size, total=total)

    @router.post("/preview", response_model=PreviewOut)
    async def preview_template(body: PreviewIn, user: User) -> PreviewOut:
        return PreviewOut(**dataclasses.asdict(preview(body.channel, body.body)))

    @router.get("/{template_id}", response_model=TemplateOut)
    async def get_template(template_id: PathId, store: Store, settings: Settings, user: User) -> TemplateOut:
        row = await store.templates.get(user.account_id, template_id)
        if row is None:
            raise not_found("template")
        return template_out(row, settings.voice_caller_id)

    @router.post("", response_model=TemplateOut, status_code=201)
    async def create_template(
        body: TemplateIn, store: Store, publisher: Publisher, gate: Gate, user: User
    ) -> TemplateOut:
        return await create(store, publisher, user.account_id, body, gate)

    @router.put("/{template_id}", response_model=TemplateOut)
    async def resubmit_template(
        template_id: PathId, body: TemplateEdit, store: Store, publisher: Publisher, gate: Gate, user: User
    ) -> TemplateOut:
        row = await store.templates.get(user.account_id, template_id)
        if row is None:
            raise not_found("template")
        draft = await _draft(store, user.account_id, row["channel"], body)
        if row["status"] not in ("REJECTED", "FAILED"):  # refused before its check (resubmit() decides too)
            raise ApiError(ErrorCode.CONFLICT, "only a REJECTED or FAILED template can be edited and re-submitted")
        verdict = await gate.verdict(row["channel"], draft, confirmed=body.confirm_high_risk)
        if not await store.templates.resubmit(user.account_id, template_id, **dataclasses.asdict(draft)):
            raise ApiError(ErrorCode.CONFLICT, "only a REJECTED or FAILED template can be edited and re-submitted")
        await store.templates.set_compliance(user.account_id, template_id, verdict)
        return await _reviewed(publisher, await store.templates.get(user.account_id, template_id))

    return router
