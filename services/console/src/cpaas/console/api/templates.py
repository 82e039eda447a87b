"""The Templates screen: list (server-side search and pagination), create, edit and
re-submit a rejected or failed one, and the live preview (SMS encoding and segments).

SMS and voice templates are approved at once; WhatsApp and RCS ones go PENDING for an
admin and are published on template.submitted so their connector registers them."""

import json
from datetime import UTC, datetime
from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Query, Request
from pydantic import ValidationError

from cpaas.console.api.deps import ApiModel, BodyId, Page, PageNo, PageSize, PathId, User, invalid, not_found
from cpaas.console.domain import rules
from cpaas.console.domain.preview import preview
from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.events import TemplateSubmittedV1
from cpaas.contracts.template_content import parse_content
from cpaas.contracts.topics import TEMPLATE_SUBMITTED
from cpaas.platform.api_errors import ApiError, validation_error

ChannelName = Literal["SMS", "WHATSAPP", "RCS", "VOICE"]
TemplateStatus = Literal["PENDING", "APPROVED", "REJECTED", "FAILED"]
PREVIEW_CHARS = 80
REVIEWED_CHANNELS = ("WHATSAPP", "RCS")


class TemplateIn(ApiModel):
    name: str
    channel: ChannelName
    body: str
    category: str | None = None
    template_type: str | None = None
    dlt_template_id: str | None = None
    language: str = "en"
    content: dict = {}
    waba_number_id: BodyId | None = None
    rcs_bot_id: BodyId | None = None


class TemplateEdit(ApiModel):
    body: str
    category: str | None = None
    template_type: str | None = None
    dlt_template_id: str | None = None
    language: str = "en"
    content: dict = {}
    waba_number_id: BodyId | None = None
    rcs_bot_id: BodyId | None = None


class TemplateOut(ApiModel):
    id: int
    name: str
    channel: ChannelName
    content_preview: str
    identity: str | None  # the WABA number (WhatsApp) or the bot's display name (RCS)
    category: str | None
    template_type: str
    status: TemplateStatus
    status_reason: str | None
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


def template_out(row) -> TemplateOut:
    body = row["body"]
    return TemplateOut(
        id=row["id"],
        name=row["name"],
        channel=row["channel"],
        content_preview=body if len(body) <= PREVIEW_CHARS else body[: PREVIEW_CHARS - 1] + "…",
        identity=row["waba_number"] or row["bot_name"],
        category=row["category"],
        template_type=row["template_type"],
        status=row["status"],
        status_reason=row["status_reason"],
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


async def _checked(request: Request, account_id: int, channel: str, body: TemplateIn | TemplateEdit) -> dict:
    """The row values of a valid template, or an ApiError naming the field at fault."""
    try:
        rules.template_body(body.body)
        template_type = rules.template_type(channel, body.template_type)
        if channel == "SMS":
            rules.sms_fields(body.dlt_template_id, body.category)
        if channel == "WHATSAPP":
            rules.whatsapp_category(body.category)
            rules.whatsapp_header(template_type, (body.content.get("header") or {}).get("type"))
    except rules.InvalidField as error:
        raise invalid(error) from None
    try:
        parsed = parse_content(channel, template_type, body.content)
    except ValidationError as error:
        api_error = validation_error(error)
        api_error.field = f"content.{api_error.field}" if api_error.field else "content"
        raise api_error from None
    templates = request.app.state.templates
    waba = bot = None
    if channel == "WHATSAPP":
        waba = await templates.active_waba(account_id, body.waba_number_id)
        if waba is None:
            raise ApiError(ErrorCode.CHANNEL_NOT_CONFIGURED, "no active WABA number", field="wabaNumberId")
    if channel == "RCS":
        bot = await templates.active_bot(account_id, body.rcs_bot_id)
        if bot is None:
            raise ApiError(ErrorCode.CHANNEL_NOT_CONFIGURED, "no active RCS bot", field="rcsBotId")
    return {
        "channel": channel,
        "status": "PENDING" if channel in REVIEWED_CHANNELS else "APPROVED",
        "category": body.category,
        "template_type": template_type,
        "body": body.body,
        "dlt_template_id": body.dlt_template_id if channel == "SMS" else None,
        "content": parsed.model_dump(mode="json", exclude_none=True) if parsed is not None else {},
        "language": body.language,
        "waba_number_id": waba,
        "rcs_bot_id": bot,
    }


async def _publish_submitted(request: Request, row) -> None:
    out = template_out(row)
    event = TemplateSubmittedV1(
        template_id=out.id,
        account_id=row["account_id"],
        channel=out.channel,
        name=out.name,
        language=out.language,
        category=out.category,
        template_type=out.template_type,
        body=out.body,
        content=out.content,
        waba_number_id=out.waba_number_id,
        rcs_bot_id=out.rcs_bot_id,
        submitted_at=datetime.now(UTC),
    )
    await request.app.state.publisher.publish(TEMPLATE_SUBMITTED.name, event, subject=str(out.id))


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/templates", tags=["templates"])

    @router.get("", response_model=TemplatePage)
    async def list_templates(
        request: Request,
        user: User,
        search: Annotated[str | None, Query(max_length=100)] = None,
        channel: ChannelName | None = None,
        status: TemplateStatus | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> TemplatePage:
        rows, total = await request.app.state.templates.page(
            user.account_id, search=search, channel=channel, status=status, page=page, page_size=page_size
        )
        return TemplatePage(items=[template_out(r) for r in rows], page=page, page_size=page_size, total=total)

    @router.post("/preview", response_model=PreviewOut)
    async def preview_template(body: PreviewIn, user: User) -> PreviewOut:
        result = preview(body.channel, body.body)
        return PreviewOut(**result.__dict__)

    @router.get("/{template_id}", response_model=TemplateOut)
    async def get_template(template_id: PathId, request: Request, user: User) -> TemplateOut:
        row = await request.app.state.templates.get(user.account_id, template_id)
        if row is None:
            raise not_found("template")
        return template_out(row)

    @router.post("", response_model=TemplateOut, status_code=201)
    async def create_template(body: TemplateIn, request: Request, user: User) -> TemplateOut:
        try:
            rules.template_name(body.name)
        except rules.InvalidField as error:
            raise invalid(error) from None
        values = await _checked(request, user.account_id, body.channel, body)
        templates = request.app.state.templates
        try:
            template_id = await templates.create(user.account_id, {"name": body.name, **values})
        except asyncpg.UniqueViolationError:
            raise ApiError(ErrorCode.CONFLICT, "a template with this name exists", field="name") from None
        row = await templates.get(user.account_id, template_id)
        if body.channel in REVIEWED_CHANNELS:
            await _publish_submitted(request, row)
        return template_out(row)

    @router.put("/{template_id}", response_model=TemplateOut)
    async def resubmit_template(template_id: PathId, body: TemplateEdit, request: Request, user: User) -> TemplateOut:
        templates = request.app.state.templates
        row = await templates.get(user.account_id, template_id)
        if row is None:
            raise not_found("template")
        values = await _checked(request, user.account_id, row["channel"], body)
        if not await templates.resubmit(user.account_id, template_id, values):
            raise ApiError(ErrorCode.CONFLICT, "only a REJECTED or FAILED template can be edited and re-submitted")
        row = await templates.get(user.account_id, template_id)
        if row["channel"] in REVIEWED_CHANNELS:
            await _publish_submitted(request, row)
        return template_out(row)

    return router
