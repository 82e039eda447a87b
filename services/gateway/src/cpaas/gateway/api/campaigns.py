"""`/api/v1/campaigns...` with the API key: bulk campaigns, answered by the campaigns
service's internal routes for the caller's account. The CSV upload streams through
(request.stream() into the forwarded request): the gateway never holds the file."""

from typing import Annotated, Literal

import httpx
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from cpaas.contracts.submit import MAX_ID
from cpaas.gateway.api.auth import Caller, authenticate
from cpaas.gateway.api.edge_models import Campaign, CampaignPage, RejectedPage
from cpaas.gateway.api.models import ErrorResponse
from cpaas.gateway.downstream import Downstream

router = APIRouter(prefix="/api/v1/campaigns", tags=["campaigns"])
ERRORS = {code: {"model": ErrorResponse} for code in (401, 402, 403, 404, 409, 413, 422, 429, 503)}
CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
Status = Literal["CREATED", "QUEUED", "PROCESSING", "COMPLETED", "FAILED", "PAUSED", "CANCELLED"]
ACTIONS = ("pause", "resume", "cancel")
UPLOAD_HEADERS = ("content-type", "content-length")
FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["name", "channel", "templateId", "file"],
                    "properties": {
                        "name": {
                            "type": "string",
                            "example": "diwali_promo_2025",
                            "description": "Unique in the account",
                        },
                        "channel": {"type": "string", "enum": ["SMS", "WHATSAPP", "RCS", "VOICE"]},
                        "templateId": {"type": "integer", "description": "An APPROVED template of this channel"},
                        "senderId": {"type": "string", "description": "Approved sender ID (SMS)"},
                        "fallback": {
                            "type": "string",
                            "description": 'JSON list of up to 2 levels: [{"channel": "WHATSAPP", "templateId": 12}];'
                            " each level's variables come from the file's columns after the primary's",
                        },
                        "scheduledAt": {
                            "type": "string",
                            "description": "ISO 8601 start; without an offset, in the account's time zone",
                        },
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV (up to 200 MB by default): E.164 numbers in the first column, then"
                            " the primary template's variables, then each fallback level's, in level order",
                        },
                    },
                }
            }
        },
    }
}


def _downstream(request: Request) -> Downstream:
    return request.app.state.downstream


Forward = Annotated[Downstream, Depends(_downstream)]
Account = Annotated[Caller, Depends(authenticate)]


def _path(caller: Caller, rest: str = "") -> str:
    return f"/internal/v1/accounts/{caller.account_id}/campaigns{rest}"


@router.post(
    "",
    status_code=201,
    response_model=Campaign,
    responses=ERRORS,
    openapi_extra=FORM,
    summary="Create a campaign from a CSV file (multipart); its rows are validated in the background",
)
async def create_campaign(request: Request, caller: Account, forward: Forward) -> Response:
    headers = {name: request.headers[name] for name in UPLOAD_HEADERS if name in request.headers}
    timeout = httpx.Timeout(request.app.state.settings.upload_timeout_seconds, connect=forward.timeout.connect)
    return await forward.forward(
        "campaigns", "POST", _path(caller), content=request.stream(), headers=headers, wait=timeout
    )


@router.get("", response_model=CampaignPage, responses=ERRORS, summary="The account's campaigns, newest first")
async def list_campaigns(
    caller: Account,
    forward: Forward,
    search: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
    status: Status | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1)] = 20,
) -> Response:
    params = {"search": search, "status": status, "page": page, "pageSize": page_size}
    return await forward.forward("campaigns", "GET", _path(caller), params=params)


@router.get(
    "/{campaign_id}",
    response_model=Campaign,
    responses=ERRORS,
    summary="One campaign: status, total, processed, failed, delivered and its first rejected rows",
)
async def get_campaign(campaign_id: CampaignId, caller: Account, forward: Forward) -> Response:
    return await forward.forward("campaigns", "GET", _path(caller, f"/{campaign_id}"))


def _action_route(action: str) -> None:
    async def act(campaign_id: CampaignId, caller: Account, forward: Forward) -> Response:
        return await forward.forward("campaigns", "POST", _path(caller, f"/{campaign_id}/{action}"))

    router.add_api_route(
        f"/{{campaign_id}}/{action}",
        act,
        methods=["POST"],
        response_model=Campaign,
        responses=ERRORS,
        name=f"{action}_campaign",
        summary=f"{action.capitalize()} the campaign",
    )


for _action in ACTIONS:
    _action_route(_action)


@router.get(
    "/{campaign_id}/rejected",
    response_model=RejectedPage,
    responses=ERRORS,
    summary="The campaign's rejected rows, in file order",
)
async def rejected_rows(
    campaign_id: CampaignId,
    caller: Account,
    forward: Forward,
    page: Annotated[int, Query(ge=1)] = 1,
    page_size: Annotated[int, Query(alias="pageSize", ge=1)] = 50,
) -> Response:
    params = {"page": page, "pageSize": page_size}
    return await forward.forward("campaigns", "GET", _path(caller, f"/{campaign_id}/rejected"), params=params)


@router.get(
    "/{campaign_id}/rejected.csv",
    responses={**ERRORS, 200: {"content": {"text/csv": {}}, "description": "line,code,reason,row"}},
    response_class=Response,
    summary="Every rejected row as CSV (line, code, reason, row), streamed",
)
async def rejected_csv(campaign_id: CampaignId, caller: Account, forward: Forward) -> Response:
    return await forward.stream("campaigns", "GET", _path(caller, f"/{campaign_id}/rejected.csv"))
