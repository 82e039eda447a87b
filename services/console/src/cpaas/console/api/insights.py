"""The dashboard's AI insights card and Campaign Intelligence's "Get AI Insights" (issue 25):
`POST /api/analytics/insights` computes the logged-in user's account's `Intelligence` from
reporting's rollups (cpaas.message_log.analytics, the account's time zone, the last 30
days) and asks the ai service's insights engine (`POST /api/v1/insights`) for
recommendations citing those facts. The ai service unreachable, too slow or failing is 503
SERVICE_UNAVAILABLE (the platform's code for the ai service down); the page's other cards
and charts keep working without it."""

from datetime import UTC, datetime

import httpx
from fastapi import APIRouter, Request
from pydantic import ValidationError

from cpaas.console.api.deps import Reports, User
from cpaas.contracts.analytics import Insights, Intelligence
from cpaas.contracts.errors import ApiError, ErrorCode
from cpaas.message_log import analytics

INSIGHTS_TIMEOUT_SECONDS = 120.0  # a configured model rewrites every insight, one after another
UNAVAILABLE = "the AI service is unavailable; try again shortly (the charts and cards work without it)"
ERRORS = {503: {"description": "SERVICE_UNAVAILABLE: the ai service is unreachable or failing"}}


async def ask_ai(http: httpx.AsyncClient, ai_url: str, facts: Intelligence) -> Insights:
    """The ai service's insights on `facts`; 503 SERVICE_UNAVAILABLE when it cannot answer."""
    try:
        response = await http.post(
            f"{ai_url.rstrip('/')}/api/v1/insights",
            json=facts.model_dump(mode="json"),
            timeout=INSIGHTS_TIMEOUT_SECONDS,
        )
    except httpx.HTTPError:
        raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE) from None
    if response.status_code != 200:
        raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE)
    try:
        return Insights.model_validate(response.json())
    except (ValueError, ValidationError):
        raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE) from None


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/analytics", tags=["analytics"])

    @router.post("/insights", response_model=Insights, responses=ERRORS)
    async def post_insights(reports: Reports, user: User, request: Request) -> Insights:
        """AI insights on the account's last 30 days: best sending windows per channel, channels and
        senders that underperform and by how much, top failure causes with what to do, campaign
        timing against TRAI quiet hours; each insight cites the numbers it is based on (`facts`)."""
        facts = await analytics.intelligence(reports.pool, user.account_id, user.time_zone, datetime.now(UTC))
        return await ask_ai(request.app.state.apis.http, request.app.state.settings.ai_url, facts)

    return router
