"""`POST /api/v1/analytics/insights` with the API key (issue 25): the account's Campaign
Intelligence facts computed from reporting's rollups (cpaas.message_log.analytics, the
account's time zone, the last 30 days), answered by the ai service's insights engine:
recommendations each citing the numbers it is based on. The ai service unreachable is 503
SERVICE_UNAVAILABLE with Retry-After."""

from datetime import UTC, datetime

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response

from cpaas.contracts.analytics import Insights
from cpaas.contracts.errors import ApiError, ErrorCode
from cpaas.gateway.api.account import ERRORS, JSON_HEADERS, Account, Forward
from cpaas.message_log import analytics

INSIGHTS_WAIT = httpx.Timeout(120.0, connect=5.0)  # a configured model rewrites each insight in turn
UNAVAILABLE = "the AI service is unavailable; retry shortly"

router = APIRouter(prefix="/api/v1")


@router.post(
    "/analytics/insights",
    response_model=Insights,
    responses=ERRORS,
    tags=["analytics"],
    summary="AI insights on the account's last 30 days: best sending windows per channel, underperforming"
    " channels and senders, top failure causes with what to do, campaign timing against TRAI quiet hours;"
    " each citing its numbers",
)
async def analytics_insights(request: Request, caller: Account, forward: Forward) -> Response:
    pool = request.app.state.reports.pool
    facts = await analytics.intelligence(pool, caller.account_id, caller.account.time_zone, datetime.now(UTC))
    body = facts.model_dump_json().encode()
    answer = await forward.forward(
        "ai", "POST", "/api/v1/insights", content=body, headers=JSON_HEADERS, wait=INSIGHTS_WAIT
    )
    if answer.status_code != 200:  # the facts are ours: any refusal is the ai service failing
        raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE, headers={"Retry-After": "1"})
    return answer
