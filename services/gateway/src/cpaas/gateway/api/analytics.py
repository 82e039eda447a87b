"""`GET /api/v1/analytics/summary`, `/summary.csv`, `/intelligence` and `/campaigns` with the
API key: the caller's account's Report Summary and Campaign Intelligence, from reporting's
rollups (`cpaas.message_log.analytics`, never a scan of the log), in the account's time
zone; the campaigns' counts are the campaigns service's, their deliveries the rollups'."""

import json
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from cpaas.contracts import Channel
from cpaas.contracts.analytics import AnalyticsSummary, Bucket, CampaignPerformancePage, Intelligence
from cpaas.gateway.api.auth import Caller, authenticate
from cpaas.gateway.api.models import ErrorResponse
from cpaas.gateway.downstream import Downstream
from cpaas.message_log import analytics

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 422, 429, 503)}
Account = Annotated[Caller, Depends(authenticate)]
RangeParam = Annotated[
    analytics.RangeName,
    Query(alias="range", description="24h, 7d, 30d or 90d ending now, or custom (with from and to)"),
]
From = Annotated[
    datetime | None, Query(alias="from", description="range=custom: ISO 8601; no offset: the account's time zone")
]
To = Annotated[
    datetime | None, Query(description="range=custom: ISO 8601, exclusive; no offset: the account's time zone")
]
BucketParam = Annotated[
    Bucket | None,
    Query(description="hour, day or week; by default chosen by the range (up to 2 days hour, up to 60 days day)"),
]


def _pool(request: Request):
    return request.app.state.reports.pool


async def _summary(request, caller, range_, from_, to, bucket, channel) -> AnalyticsSummary:
    account = caller.account
    since, until = analytics.resolve_range(range_, from_, to, account.zone, bucket)
    return await analytics.summary(
        _pool(request), caller.account_id, account.time_zone, since, until, bucket, channel.value if channel else None
    )


@router.get(
    "/summary",
    response_model=AnalyticsSummary,
    responses=ERRORS,
    summary="Message volume, success rate and channel breakdown over a time range, in buckets",
)
async def summary(
    request: Request,
    caller: Account,
    range_: RangeParam = "7d",
    from_: From = None,
    to: To = None,
    bucket: BucketParam = None,
    channel: Channel | None = None,
) -> AnalyticsSummary:
    """Counts are of messages created in the range, by their final status (delivered: DELIVERED
    or READ; failed: FAILED or UNDELIVERED; pending: the rest), every bucket present; the range is
    aligned to 15 minutes and answered as aligned, so `GET /api/v1/messages/reports` with the
    answer's range_from and range_to lists the same total."""
    return await _summary(request, caller, range_, from_, to, bucket, channel)


@router.get(
    "/summary.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **ERRORS},
    summary="The summary's buckets as CSV: start,total,delivered,failed,pending,success_rate",
)
async def summary_csv(
    request: Request,
    caller: Account,
    range_: RangeParam = "7d",
    from_: From = None,
    to: To = None,
    bucket: BucketParam = None,
    channel: Channel | None = None,
) -> Response:
    result = await _summary(request, caller, range_, from_, to, bucket, channel)
    return Response(analytics.summary_csv(result), media_type="text/csv; charset=utf-8")


@router.get(
    "/intelligence",
    response_model=Intelligence,
    responses=ERRORS,
    summary="Campaign Intelligence: best channel and hour, rates per channel, hourly volume, heatmap, failures",
)
async def intelligence(request: Request, caller: Account) -> Intelligence:
    """Over the last 30 days in the account's time zone (hours_last_7_days: the last 7); a channel
    or hour needs min_volume messages to be named best."""
    return await analytics.intelligence(_pool(request), caller.account_id, caller.account.time_zone, datetime.now(UTC))


@router.get(
    "/campaigns",
    response_model=CampaignPerformancePage,
    responses=ERRORS,
    summary="The account's campaigns with total, processed, failed, delivered and delivery rate",
)
async def campaigns(
    request: Request,
    caller: Account,
    search: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1, le=100)] = 20,
) -> Response | CampaignPerformancePage:
    forward: Downstream = request.app.state.downstream
    params = {"search": search or None, "page": page, "pageSize": page_size}
    listed = await forward.forward(
        "campaigns", "GET", f"/internal/v1/accounts/{caller.account_id}/campaigns", params=params
    )
    if listed.status_code != 200:
        return listed  # the campaigns service's refusal, in its words
    return await analytics.campaign_performance(
        _pool(request), caller.account_id, json.loads(listed.body), page, page_size
    )
