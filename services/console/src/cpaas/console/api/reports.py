"""The Reports screen (delivery log, a message's detail, CSV export) and the Dashboard.

A message of a campaign carries its campaign id (the log's); its name is the campaigns
service's, asked for the campaigns on the page (api/campaigns.py `campaign_names`, the
user's account only), so a renamed or another account's campaign never shows a wrong one."""

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, tzinfo
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from cpaas.console.api.campaigns import campaign_names
from cpaas.console.api.deps import MAX_ID, ApiModel, Apis, Page, PageNo, PageSize, Reports, Store, User, not_found
from cpaas.console.domain.message_body import attempt_variables, rendered_body
from cpaas.console.platform_apis import PlatformApis
from cpaas.console.store import ConsoleStore
from cpaas.message_log import ReportFilter
from cpaas.platform.api_errors import ApiError

ChannelName = Literal["SMS", "WHATSAPP", "RCS", "VOICE"]
StatusName = Literal["SUBMITTED", "SUBMITTED_OPERATOR", "DELIVERED", "READ", "RETRYING", "FAILED", "UNDELIVERED"]
CSV_COLUMNS = (
    "message_id",
    "recipient",
    "channel",
    "primary_channel",
    "attempt",
    "status",
    "template_name",
    "sender_id",
    "campaign_id",
    "campaign_name",
    "cost_minor",
    "currency",
    "segments",
    "created_at",
    "sent_at",
    "delivered_at",
    "read_at",
    "error_code",
    "error_detail",
)


class MessageOut(ApiModel):
    message_id: str
    recipient: str
    channel: str
    primary_channel: str
    attempt: int
    status: str
    template_id: int | None
    template_name: str | None
    sender_id: str | None
    campaign_id: int | None
    campaign_name: str | None = None  # the campaign's name (the campaigns service's)
    cost_minor: int | None
    currency: str | None
    segments: int | None
    created_at: datetime
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    error_code: str | None
    error_detail: str | None


class MessagePage(Page):
    items: list[MessageOut]


class AttemptOut(ApiModel):
    attempt: int
    channel: str
    status: str
    template_id: int | None
    template_name: str | None
    sender_id: str | None
    submitted_at: datetime | None
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None
    error_code: str | None
    error_detail: str | None
    cost_minor: int | None
    # the times as the carrier or provider reported them (the shown ones are in causal order)
    provider_sent_at: datetime | None = None
    provider_delivered_at: datetime | None = None
    provider_read_at: datetime | None = None
    body: str | None = None  # the rendered message (domain/message_body.py: an OTP is masked)


class HistoryOut(ApiModel):
    attempt: int
    channel: str
    status: str
    occurred_at: datetime  # in causal order: never before the step before it
    provider_at: datetime | None = None  # the time the event itself carried
    error_code: str | None
    error_detail: str | None = None


class MessageDetail(ApiModel):
    message: MessageOut
    attempts: list[AttemptOut]
    history: list[HistoryOut]


class ChannelCount(ApiModel):
    """Messages by the channel they were sent on first, each once whichever level delivered it."""

    channel: str
    today: int
    all_time: int
    fallback_today: int = 0  # of today's, those a fallback level delivered
    fallback_all_time: int = 0


class FallbackCount(ApiModel):
    """Messages first sent on `from_channel` and delivered by a fallback level on `channel`."""

    from_channel: str
    channel: str
    today: int
    all_time: int


class FailureReason(ApiModel):
    reason: str
    count: int


class Dashboard(ApiModel):
    messages_today: int
    success_rate: float | None  # percent of today's messages DELIVERED or READ
    cost_today_minor: int
    balance_minor: int | None  # None while billing cannot be reached
    currency: str | None
    channels: list[ChannelCount]
    fallbacks: list[FallbackCount] = []
    failures: list[FailureReason]


def report_filter(
    user: User,
    from_: Annotated[datetime | None, Query(alias="from")] = None,
    to: datetime | None = None,
    channel: ChannelName | None = None,
    status: StatusName | None = None,
    recipient: Annotated[str | None, Query(max_length=20)] = None,
    campaign_id: Annotated[int | None, Query(alias="campaignId", ge=1, le=MAX_ID)] = None,
) -> ReportFilter:
    """`from` and `to` without an offset are in the account's time zone (a date alone is its
    midnight there); with one, they are that instant."""
    zone = ZoneInfo(user.time_zone)
    since, until = in_zone(from_, zone), in_zone(to, zone)
    return ReportFilter(user.account_id, recipient or None, status, channel, campaign_id, since, until)


def in_zone(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    """An instant: a naive time is read as a wall-clock time in `zone`."""
    return value.replace(tzinfo=zone) if value is not None and value.tzinfo is None else value


def start_of_today(zone: ZoneInfo, now: datetime | None = None) -> datetime:
    """Midnight of today in `zone` (the Dashboard's "today"), as an instant."""
    local = (now or datetime.now(UTC)).astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


Filter = Annotated[ReportFilter, Depends(report_filter)]


async def _attempt(store: ConsoleStore, account_id: int, record) -> AttemptOut:
    """An attempt with its body rendered from its template (the account's own) and variables."""
    row = dict(record)
    variables = attempt_variables(row.pop("variables", None))
    template = await store.templates.get(account_id, row["template_id"]) if row["template_id"] else None
    if template is not None:
        row["body"] = rendered_body(template["body"], template["category"], variables)
    return AttemptOut(**row)


async def _named(apis: PlatformApis, account_id: int, rows: list) -> list["MessageOut"]:
    names = await campaign_names(apis, account_id, (r["campaign_id"] for r in rows if r["campaign_id"]))
    return [MessageOut(**dict(r), campaign_name=names.get(r["campaign_id"])) for r in rows]


async def _csv(rows: AsyncIterator, apis: PlatformApis, account_id: int, zone: tzinfo = UTC) -> AsyncIterator[str]:
    """The export's lines; its times are ISO 8601 in the account's zone `zone`, with their offset."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    names: dict[int, str | None] = {}  # campaign names, asked once per export
    async for record in rows:
        row = dict(record)
        campaign = row["campaign_id"]
        if campaign and campaign not in names:
            names[campaign] = (await campaign_names(apis, account_id, [campaign])).get(campaign)
        row["campaign_name"] = names.get(campaign) if campaign else None
        writer.writerow(
            [
                ""
                if row[c] is None
                else row[c].astimezone(zone).isoformat()
                if isinstance(row[c], datetime)
                else row[c]
                for c in CSV_COLUMNS
            ]
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api", tags=["reports"])

    @router.get("/reports", response_model=MessagePage)
    async def list_messages(
        flt: Filter, reports: Reports, apis: Apis, page: PageNo = 1, page_size: PageSize = 20
    ) -> MessagePage:
        rows, total = await reports.page(flt, page=page, page_size=page_size)
        items = await _named(apis, flt.account_id, rows)
        return MessagePage(items=items, page=page, page_size=page_size, total=total)

    @router.get("/reports/export.csv")
    async def export_csv(flt: Filter, reports: Reports, apis: Apis, user: User) -> StreamingResponse:
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return StreamingResponse(
            _csv(reports.export(flt), apis, flt.account_id, ZoneInfo(user.time_zone)),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="messages-{stamp}.csv"'},
        )

    @router.get("/reports/{message_id}", response_model=MessageDetail)
    async def message_detail(message_id: str, reports: Reports, apis: Apis, store: Store, user: User) -> MessageDetail:
        row, attempts, history = await reports.message(user.account_id, message_id)
        if row is None:
            raise not_found("message")
        return MessageDetail(
            message=(await _named(apis, user.account_id, [row]))[0],
            attempts=[await _attempt(store, user.account_id, a) for a in attempts],
            history=[HistoryOut(**dict(h)) for h in history],
        )

    @router.get("/dashboard", response_model=Dashboard)
    async def dashboard(reports: Reports, apis: Apis, user: User) -> Dashboard:
        today = start_of_today(ZoneInfo(user.time_zone))  # the account's day, not UTC's
        data = await reports.dashboard(user.account_id, today)
        channels = data["channels"]
        messages_today = sum(c["today"] for c in channels)
        delivered = sum(c["delivered_today"] for c in channels)
        try:
            balance = await apis.billing("GET", f"/accounts/{user.account_id}/balance")
        except ApiError:
            balance = {}
        return Dashboard(
            messages_today=messages_today,
            success_rate=round(100 * delivered / messages_today, 1) if messages_today else None,
            cost_today_minor=data["cost_today"],
            balance_minor=balance.get("balanceMinor"),
            currency=balance.get("currency"),
            channels=[
                ChannelCount(
                    channel=c["channel"],
                    today=c["today"],
                    all_time=c["all_time"],
                    fallback_today=c["fallback_today"],
                    fallback_all_time=c["fallback_all_time"],
                )
                for c in channels
            ],
            fallbacks=[
                FallbackCount(
                    from_channel=f["primary_channel"], channel=f["channel"], today=f["today"], all_time=f["all_time"]
                )
                for f in data["fallbacks"]
            ],
            failures=[FailureReason(reason=f["reason"], count=f["count"]) for f in data["failures"]],
        )

    return router
