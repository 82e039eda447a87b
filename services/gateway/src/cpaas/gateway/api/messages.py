"""`POST /api/v1/messages/submit`, `GET /api/v1/messages/reports`, `GET /api/v1/messages/{id}`."""

import logging
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator

from cpaas.contracts import Channel, ErrorCode, MessageStatus
from cpaas.contracts.ids import is_message_id
from cpaas.contracts.submit import MAX_ID, SubmitResponse
from cpaas.gateway.api.auth import Caller, authenticate
from cpaas.gateway.api.client_address import client_ip
from cpaas.gateway.api.models import (
    AttemptReport,
    ErrorResponse,
    MessageDetail,
    MessageReport,
    ReportPage,
    StatusEventReport,
)
from cpaas.gateway.domain import submit as rules
from cpaas.gateway.handlers import MAX_IDEMPOTENCY_KEY_LENGTH
from cpaas.message_log import ReportFilter, money
from cpaas.platform.api_errors import ApiError

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/messages", tags=["messages"])
MAX_PAGE = 100_000  # deeper pages: narrow the time range (from, to) instead
MAX_PAGE_SIZE_ASKED = 10_000  # a larger pageSize is refused; up to it, it is cut to max_page_size
MAX_TEXT_QUERY = 32  # characters of a recipient search
ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 402, 403, 404, 409, 422, 429, 503)}


def _in_utc(value: datetime | None) -> datetime | None:
    """A bound as an aware UTC time (a naive one is UTC); one outside years 1-9999 in UTC is refused."""
    if value is None:
        return None
    try:
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError("the time is out of range (years 1 to 9999 in UTC)") from None


TimeBound = Annotated[datetime | None, AfterValidator(_in_utc)]
SUBMIT_OPENAPI = {
    "security": [{"ApiKey": []}],  # the scheme auth.API_KEY declares (the raw submit path reads the header itself)
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SubmitRequest"}}},
    },
    "parameters": [
        {"name": "X-API-Key", "in": "header", "required": True, "schema": {"type": "string"}},
        {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "schema": {"type": "string", "maxLength": MAX_IDEMPOTENCY_KEY_LENGTH},
            "description": "A retry with the same key returns the first answer and sends nothing (24 h);"
            " while the first is still being queued a retry gets 409 IDEMPOTENCY_IN_PROGRESS with Retry-After",
        },
    ],
}


@router.post(
    "/submit",
    status_code=202,
    response_model=SubmitResponse,
    responses=ERRORS,
    summary="Submit one message (202 once it is queued in Kafka)",
    openapi_extra=SUBMIT_OPENAPI,
)
async def submit(request: Request) -> Response:
    """Served by api/submit.py in front of the app (GatewayApp); this route documents it and is its fallback."""
    ip = client_ip(request.scope, request.app.state.settings.forwarded_for_hops)
    status, body, headers = await request.app.state.submit_handler.handle(request.headers, ip, await request.body())
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def _report(row) -> MessageReport:
    return MessageReport(
        message_id=row["message_id"],
        account_id=row["account_id"],
        recipient=row["recipient"],
        channel=row["channel"],
        primary_channel=row["primary_channel"],
        attempt=row["attempt"],
        status=row["status"],
        template_id=row["template_id"],
        template=row["template_name"],
        sender_id=row["sender_id"],
        campaign_id=row["campaign_id"],
        cost=money(row["cost_minor"]),
        currency=row["currency"],
        segments=row["segments"],
        created_at=row["created_at"],
        sent_at=row["sent_at"],
        delivered_at=row["delivered_at"],
        read_at=row["read_at"],
        error_code=row["error_code"],
        error_detail=row["error_detail"],
    )


@router.get(
    "/reports",
    response_model=ReportPage,
    responses=ERRORS,
    summary="The delivery log of the caller's account, newest first",
)
async def reports(
    request: Request,
    caller: Annotated[Caller, Depends(authenticate)],
    account_id: Annotated[
        int | None, Query(alias="accountId", ge=1, le=MAX_ID, description="Must be the API key's account")
    ] = None,
    recipient: Annotated[str | None, Query(max_length=MAX_TEXT_QUERY)] = None,
    status: MessageStatus | None = None,
    channel: Channel | None = None,
    campaign_id: Annotated[int | None, Query(alias="campaignId", ge=1, le=MAX_ID)] = None,
    created_from: Annotated[TimeBound, Query(alias="from", description="ISO 8601, inclusive")] = None,
    created_to: Annotated[TimeBound, Query(alias="to", description="ISO 8601, exclusive")] = None,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=MAX_PAGE_SIZE_ASKED)] = 50,
) -> ReportPage:
    if account_id is not None and account_id != caller.account_id:
        raise ApiError(ErrorCode.FORBIDDEN, "an API key can only read its own account's messages", field="accountId")
    page_size = min(page_size, request.app.state.settings.max_page_size)
    flt = ReportFilter(
        account_id=caller.account_id,
        recipient=rules.normalize_recipient(recipient) if recipient else None,
        status=status.value if status else None,
        channel=channel.value if channel else None,
        campaign_id=campaign_id,
        created_from=created_from,
        created_to=created_to,
    )
    rows, total = await request.app.state.reports.page(flt, page=page, page_size=page_size)
    return ReportPage(items=[_report(r) for r in rows], page=page, page_size=page_size, total=total)


@router.get(
    "/{message_id}",
    response_model=MessageDetail,
    responses=ERRORS,
    summary="One message with its attempts (fallback levels) and status history",
)
async def message(message_id: str, request: Request, caller: Annotated[Caller, Depends(authenticate)]) -> MessageDetail:
    if not is_message_id(message_id):
        raise ApiError(ErrorCode.NOT_FOUND, f"{message_id!r} is not a message id", field="messageId")
    row, attempts, history = await request.app.state.reports.message(caller.account_id, message_id)
    if row is None:
        raise ApiError(
            ErrorCode.NOT_FOUND,
            f"message {message_id} not found (a just-submitted message shows up within a second)",
            field="messageId",
        )
    return MessageDetail(
        **_report(row).model_dump(),
        attempts=[
            AttemptReport(
                attempt=a["attempt"],
                channel=a["channel"],
                status=a["status"],
                template_id=a["template_id"],
                sender_id=a["sender_id"],
                sent_at=a["sent_at"],
                delivered_at=a["delivered_at"],
                read_at=a["read_at"],
                error_code=a["error_code"],
                cost=money(a["cost_minor"]),
                provider_sent_at=a["provider_sent_at"],
                provider_delivered_at=a["provider_delivered_at"],
                provider_read_at=a["provider_read_at"],
            )
            for a in attempts
        ],
        history=[
            StatusEventReport(
                attempt=h["attempt"],
                channel=h["channel"],
                status=h["status"],
                occurred_at=h["occurred_at"],
                provider_at=h["provider_at"],
                error_code=h["error_code"],
            )
            for h in history
        ],
    )
