"""Report Summary and Campaign Intelligence (issue 25): the logged-in user's account, from
reporting's rollups through `cpaas.message_log.analytics` (never a scan of the log), in the
account's time zone. The campaigns table joins the campaigns service's list (name, status,
records, processed, failed: what Bulk Campaign shows) with the rollups' deliveries."""

from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from fastapi.responses import Response

from cpaas.console.api.deps import Apis, PageNo, PageSize, Reports, User
from cpaas.contracts.analytics import AnalyticsSummary, Bucket, CampaignPerformancePage, Intelligence
from cpaas.message_log import analytics

ChannelName = Literal["SMS", "WHATSAPP", "RCS", "VOICE"]
RangeParam = Annotated[
    analytics.RangeName, Query(alias="range", description="a preset ending now, or custom (from and to)")
]
From = Annotated[
    datetime | None, Query(alias="from", description="range=custom: ISO 8601; no offset: the account's zone")
]
To = Annotated[datetime | None, Query(description="range=custom: ISO 8601, exclusive; no offset: the account's zone")]
BucketParam = Annotated[
    Bucket | None, Query(description="hour, day or week; by default chosen by the range (<=2 d hour, <=60 d day)")
]
Search = Annotated[str | None, Query(max_length=100)]


async def summary_of(
    reports: Reports,
    user: User,
    range_: str,
    from_: datetime | None,
    to: datetime | None,
    bucket: Bucket | None,
    channel: str | None,
) -> AnalyticsSummary:
    since, until = analytics.resolve_range(range_, from_, to, ZoneInfo(user.time_zone), bucket)
    return await analytics.summary(reports.pool, user.account_id, user.time_zone, since, until, bucket, channel)


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/analytics", tags=["analytics"])

    @router.get("/summary", response_model=AnalyticsSummary)
    async def get_summary(
        reports: Reports,
        user: User,
        range_: RangeParam = "7d",
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
        range_: RangeParam = "7d",
        from_: From = None,
        to: To = None,
        bucket: BucketParam = None,
        channel: ChannelName | None = None,
    ) -> Response:
        """The Report Summary's buckets as CSV: start,total,delivered,failed,pending,success_rate."""
        result = await summary_of(reports, user, range_, from_, to, bucket, channel)
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        return Response(
            analytics.summary_csv(result),
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
        query = {"page": page, "pageSize": page_size, "search": search or None}
        listed = await apis.campaigns(user.account_id, "GET", params={k: v for k, v in query.items() if v is not None})
        return await analytics.campaign_performance(reports.pool, user.account_id, listed, page, page_size)

    return router
