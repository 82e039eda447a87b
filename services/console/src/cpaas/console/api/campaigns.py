"""The Bulk Campaign screen: the logged-in user's campaigns, forwarded to the campaigns
service's internal routes of the user's account (`/internal/v1/accounts/{id}/campaigns...`
with the X-Service-Token), so the page sees exactly what the public API answers and every
rule (the form's submit rules, the unique name, the file's size limit, which action a
status allows) is the service's own; its refusals reach the user in its words.

The upload is streamed through as it arrives (never held here), as is the rejected rows'
CSV. The account is always the session's: a campaign of another account is 404 there.
`campaign_names` gives Reports the names of the campaigns its messages belong to."""

import asyncio
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask

from cpaas.console.api.deps import MAX_ID, ApiModel, Apis, Page, PageNo, PageSize, User
from cpaas.console.platform_apis import CAMPAIGN_UPLOAD_TIMEOUT, PlatformApis
from cpaas.platform.api_errors import ApiError

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
StatusName = Literal["CREATED", "QUEUED", "PROCESSING", "COMPLETED", "FAILED", "PAUSED", "CANCELLED"]
ActionName = Literal["pause", "resume", "cancel"]
MAX_NAMES = 100  # campaigns whose names one page of Reports asks for (a page holds at most 100 messages)
FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["name", "channel", "templateId", "file"],
                    "properties": {
                        "name": {"type": "string", "example": "diwali_promo_2025"},
                        "channel": {"type": "string", "enum": ["SMS", "WHATSAPP", "RCS", "VOICE"]},
                        "templateId": {"type": "integer"},
                        "senderId": {"type": "string"},
                        "fallback": {"type": "string", "description": 'JSON: [{"channel", "templateId", "senderId"}]'},
                        "scheduledAt": {
                            "type": "string",
                            "description": "ISO 8601; no offset: the account's time zone",
                        },
                        "file": {"type": "string", "format": "binary"},
                    },
                }
            }
        },
    }
}


class FallbackOut(ApiModel):
    channel: str
    template_id: int
    sender_id: str | None = None
    variable_count: int | None = None  # the CSV columns this level takes (after the levels before it)


class RejectedRowOut(ApiModel):
    line: int
    code: str
    reason: str
    row: str
    stage: str


class CampaignOut(ApiModel):
    id: int
    name: str
    channel: str
    template_id: int
    template_name: str
    sender_id: str | None
    fallback: list[FallbackOut]
    status: StatusName
    status_reason: str | None
    pause_code: str | None
    waiting_until: datetime | None
    scheduled_at: datetime | None
    time_zone: str
    promotional: bool
    file_name: str | None
    file_bytes: int
    total: int
    processed: int
    failed: int
    rejected: int
    refused: int
    sent: int
    delivered: int
    undelivered: int
    estimated_units: int
    progress: float
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    rejected_rows: list[RejectedRowOut] | None = None


class CampaignPage(Page):
    items: list[CampaignOut]


class RejectedPage(Page):
    items: list[RejectedRowOut]


async def campaign_names(apis: PlatformApis, account_id: int, ids: Iterable[int]) -> dict[int, str]:
    """The names of the account's campaigns `ids` (one internal GET each, together); a
    campaign the service does not find for this account, or a service away, has none."""

    async def name(campaign_id: int) -> tuple[int, str | None]:
        try:
            return campaign_id, (await apis.campaigns(account_id, "GET", f"/{campaign_id}"))["name"]
        except (ApiError, KeyError, TypeError, ValueError):
            return campaign_id, None

    wanted = sorted(set(ids))[:MAX_NAMES]
    found = await asyncio.gather(*(name(i) for i in wanted))
    return {i: n for i, n in found if n is not None}


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/campaigns", tags=["bulk campaign"])

    @router.post("", response_model=CampaignOut, status_code=201, openapi_extra=FORM)
    async def create_campaign(request: Request, apis: Apis, user: User) -> dict:
        """The form and its CSV, streamed through to the campaigns service as they arrive."""
        headers = {"Content-Type": request.headers.get("content-type", "")}
        return await apis.campaigns(
            user.account_id,
            "POST",
            content=request.stream(),
            headers=headers,
            timeout=CAMPAIGN_UPLOAD_TIMEOUT,
        )

    @router.get("", response_model=CampaignPage)
    async def list_campaigns(
        apis: Apis,
        user: User,
        search: Annotated[str | None, Query(max_length=100)] = None,
        status: StatusName | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> dict:
        query = {"page": page, "pageSize": page_size, "search": search or None, "status": status}
        return await apis.campaigns(user.account_id, "GET", params={k: v for k, v in query.items() if v is not None})

    @router.get("/{campaign_id}", response_model=CampaignOut)
    async def get_campaign(campaign_id: CampaignId, apis: Apis, user: User) -> dict:
        return await apis.campaigns(user.account_id, "GET", f"/{campaign_id}")

    @router.post("/{campaign_id}/{action}", response_model=CampaignOut)
    async def act(campaign_id: CampaignId, action: ActionName, apis: Apis, user: User) -> dict:
        """Pause, resume or cancel (409 CONFLICT when the status does not allow it)."""
        return await apis.campaigns(user.account_id, "POST", f"/{campaign_id}/{action}")

    @router.get("/{campaign_id}/rejected", response_model=RejectedPage)
    async def rejected_rows(
        campaign_id: CampaignId, apis: Apis, user: User, page: PageNo = 1, page_size: PageSize = 20
    ) -> dict:
        params = {"page": page, "pageSize": page_size}
        return await apis.campaigns(user.account_id, "GET", f"/{campaign_id}/rejected", params=params)

    @router.get(
        "/{campaign_id}/rejected.csv",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/csv": {}}, "description": "line,code,reason,row"}},
    )
    async def rejected_csv(campaign_id: CampaignId, apis: Apis, user: User) -> StreamingResponse:
        """Every rejected row, streamed through from the campaigns service."""
        upstream = await apis.campaigns_stream(user.account_id, "GET", f"/{campaign_id}/rejected.csv")
        headers = {k: upstream.headers[k] for k in ("content-disposition",) if k in upstream.headers} or {
            "Content-Disposition": f'attachment; filename="campaign-{campaign_id}-rejected.csv"'
        }
        return StreamingResponse(
            upstream.aiter_raw(),
            media_type="text/csv; charset=utf-8",
            headers=headers,
            background=BackgroundTask(upstream.aclose),
        )

    return router
