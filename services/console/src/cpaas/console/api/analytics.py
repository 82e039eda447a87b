"""Report Summary and Campaign Intelligence (issue 25): the logged-in user's account, from
reporting's rollups through `cpaas.message_log.analytics` (never a scan of the log), in the
account's time zone. The campaigns table joins the campaigns service's list (name, status,
records, processed, failed: what Bulk Campaign shows) with the rollups' deliveries."""

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from cpaas.console.api.deps import Apis, PageNo, PageSize, Reports, User
from cpaas.contracts.analytics import (
    AnalyticsSummary,
    Bucket,
    CampaignPerformance,
    CampaignPerformancePage,
    Intelligence,
)
from cpaas.contracts.errors import ApiError, ErrorCode
from cpaas.message_log import analytics

RangeName = Literal["24h", "7d", "30d", "90d", "custom"]
ChannelName = Literal["SMS", "WHATSAPP", "RCS", "VOICE"]
PRESETS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30), "90d": timedelta(days=90)}
MAX_SPAN = timedelta(days=400)  # a custom range longer than this is refused
MAX_BUCKETS = 5_000  # a chart of more buckets than this is refused (90 days of hours is 2,160)
CSV_HEADER = ("start", "total", "delivered", "failed", "pending", "success_rate")


def invalid_range(message: str, field: str = "range") -> ApiError:
    return ApiError(ErrorCode.VALIDATION_ERROR, message, field=field)


def resolve_range(
    range_: str, from_: datetime | None, to: datetime | None, zone: ZoneInfo, now: datetime | None = None
) -> tuple[datetime, datetime]:
    """The instants [from, to) of a preset (ending with the current 15 minutes) or a custom
    range (an offset-less time is read in the account's zone `zone`)."""
    if range_ != "custom":
        if from_ is not None or to is not None:
            raise invalid_range("from and to go with range=custom only", "from" if from_ is not None else "to")
        until = analytics.align(now or datetime.now(UTC)) + analytics.GRANULE
        return until - PRESETS[range_], until
    if from_ is None or to is None:
        raise invalid_range("range=custom needs both from and to", "from" if from_ is None else "to")
    since, until = (t.replace(tzinfo=zone) if t.tzinfo is None else t for t in (from_, to))
    if since >= until:
        raise invalid_range("from must be before to", "from")
    if until - since > MAX_SPAN:
        raise invalid_range(f"a range spans at most {MAX_SPAN.days} days", "to")
    return since, until


def check_buckets(since: datetime, until: datetime, bucket: Bucket | None) -> None:
    if bucket is not None and (until - since) / analytics.STEP[bucket] > MAX_BUCKETS:
        raise invalid_range(f"more than {MAX_BUCKETS} {bucket} buckets: choose a larger bucket", "bucket")


async def summary_of(
    reports: Reports,
    user: User,
    range_: RangeName,
    from_: datetime | None,
    to: datetime | None,
    bucket: Bucket | None,
    channel: str | None,
) -> AnalyticsSummary:
    zone = ZoneInfo(user.time_zone)
    since, until = resolve_range(range_, from_, to, zone)
    check_buckets(since, until, bucket)
    return await analytics.summary(reports.pool, user.account_id, user.time_zone, since, until, bucket, channel)


def summary_csv(result: AnalyticsSummary) -> str:
    """One line per bucket, the header first; the start in the account's zone with its offset."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for b in result.buckets:
        rate = "" if b.rate is None else f"{b.rate:.4f}"
        writer.writerow((b.start.isoformat(), b.total, b.delivered, b.failed, b.pending, rate))
    return buffer.getvalue()


def _field(item: dict, camel: str, snake: str, default=None):
    return item.get(camel, item.get(snake, default))


async def campaign_page(
    db, apis, account_id: int, search: str | None, page: int, page_size: int
) -> CampaignPerformancePage:
    """The campaigns service's page of the account's campaigns with the rollups' deliveries."""
    query = {"page": page, "pageSize": page_size, "search": search or None}
    listed = await apis.campaigns(account_id, "GET", params={k: v for k, v in query.items() if v is not None})
    items = listed.get("items", [])
    delivery = await analytics.campaign_delivery(db, account_id, [int(i["id"]) for i in items])
    out = []
    for item in items:
        messages, delivered, _failed = delivery.get(int(item["id"]), (0, 0, 0))
        out.append(
            CampaignPerformance(
                campaign_id=item["id"],
                name=item["name"],
                status=item["status"],
                total=item.get("total", 0),
                processed=item.get("processed", 0),
                failed=item.get("failed", 0),
                delivered=delivered,
                delivery_rate=delivered / messages if messages else None,
                created_at=_field(item, "createdAt", "created_at"),
            )
        )
    return CampaignPerformancePage(
        items=out,
        total=listed.get("total", len(out)),
        page=listed.get("page", page),
        page_size=_field(listed, "pageSize", "page_size", page_size),
    )


From = Annotated[
    datetime | None, Query(alias="from", description="range=custom: ISO 8601; no offset: the account's zone")
]
To = Annotated[datetime | None, Query(description="range=custom: ISO 8601, exclusive; no offset: the account's zone")]
BucketParam = Annotated[
    Bucket | None, Query(description="hour, day or week; by default chosen by the range (<=2 d hour, <=60 d day)")
]
Search = Annotated[str | None, Query(max_length=100)]


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/analytics", tags=["analytics"])

    @router.get("/summary", response_model=AnalyticsSummary)
    async def get_summary(
        reports: Reports,
        user: User,
        range_: Annotated[RangeName, Query(alias="range")] = "7d",
        from_: From = None,
        to: To = None,
        bucket: BucketParam = None,
        channel: ChannelName | None = None,
    ) -> AnalyticsSummary:
        """Report Summary: volume, success rate and channel breakdown over the range."""
        return await summary_of(reports, user, range_, from_, to, bucket, channel)

    @router.get("/summary.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
    async def get_summary_csv(
        reports: Reports,
        user: User,
        range_: Annotated[RangeName, Query(alias="range")] = "7d",
        from_: From = None,
        to: To = None,
        bucket: BucketParam = None,
        channel: ChannelName | None = None,
    ) -> Response:
        """The Report Summary's buckets as CSV: start,total,delivered,failed,pending,success_rate."""
        result = await summary_of(reports, user, range_, from_, to, bucket, channel)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return Response(
            summary_csv(result),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="summary-{stamp}.csv"'},
        )

    @router.get("/intelligence", response_model=Intelligence)
    async def get_intelligence(reports: Reports, user: User) -> Intelligence:
        """Campaign Intelligence's cards, charts and heatmap (the last 30 days, the account's zone)."""
        return await analytics.intelligence(reports.pool, user.account_id, user.time_zone, datetime.now(UTC))

    @router.get("/campaigns", response_model=CampaignPerformancePage)
    async def get_campaigns(
        reports: Reports, apis: Apis, user: User, search: Search = None, page: PageNo = 1, page_size: PageSize = 20
    ) -> CampaignPerformancePage:
        """The campaigns table: the campaigns service's counts and the rollups' delivery rate."""
        return await campaign_page(reports.pool, apis, user.account_id, search, page, page_size)

    return router
