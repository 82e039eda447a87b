"""The campaigns routes. Built twice by `build_router`: under /api/v1/campaigns with the
API key (public, in the OpenAPI document), and under
/internal/v1/accounts/{account_id}/campaigns with the service token (the console's Bulk
Campaign page and the gateway; served on the internal listener only)."""

import csv
import io
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import StreamingResponse

from cpaas.campaigns.api.models import CampaignPage, CampaignView, RejectedPage, RejectedRow
from cpaas.campaigns.creation import Campaigns
from cpaas.campaigns.domain.status import Action, CampaignStatus
from cpaas.contracts.submit import MAX_ID

CampaignId = Annotated[int, Path(ge=1, le=MAX_ID)]
MAX_PAGE = 100_000
CSV_BATCH_ROWS = 5000
ERRORS = {
    code: {"description": text, "content": {"application/json": {"example": {"error": {"code": name}}}}}
    for code, name, text in (
        (401, "UNAUTHORIZED", "Missing or invalid API key"),
        (404, "NOT_FOUND", "No such campaign in this account"),
        (409, "CONFLICT", "The name is taken, or the action does not apply to the campaign's status"),
        (422, "VALIDATION_ERROR", "A field is invalid (templates, sender IDs and variables follow the submit rules)"),
    )
}
FORM_SCHEMA = {
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
                            "description": "ISO 8601 start; without an offset, in the account's time zone (Asia/Kolkata)",
                        },
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV: E.164 numbers in the first column, then the primary template's"
                            " variables, then each fallback level's, in level order",
                        },
                    },
                }
            }
        },
    }
}


def _campaigns(request: Request) -> Campaigns:
    return request.app.state.campaigns


def build_router(prefix: str, account: Callable, *, include_in_schema: bool) -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["campaigns"], include_in_schema=include_in_schema)
    Account = Annotated[int, Depends(account)]

    @router.post(
        "",
        status_code=201,
        response_model=CampaignView,
        responses=ERRORS,
        openapi_extra=FORM_SCHEMA,
        summary="Create a campaign from a CSV file (multipart); its rows are validated in the background",
    )
    async def create_campaign(request: Request, account_id: Account) -> CampaignView:
        campaign = await _campaigns(request).create(account_id, request.stream(), request.headers.get("content-type"))
        return CampaignView.of(campaign)

    @router.get("", response_model=CampaignPage, responses=ERRORS, summary="The account's campaigns, newest first")
    async def list_campaigns(
        request: Request,
        account_id: Account,
        search: Annotated[str | None, Query(max_length=100, description="Part of the name")] = None,
        status: CampaignStatus | None = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 20,
    ) -> CampaignPage:
        page_size = min(page_size, request.app.state.settings.max_page_size)
        items, total = await _campaigns(request).store.search(
            account_id,
            search=search or None,
            status=status.value if status else None,
            limit=page_size,
            offset=(page - 1) * page_size,
        )
        return CampaignPage(items=[CampaignView.of(c) for c in items], page=page, page_size=page_size, total=total)

    @router.get(
        "/{campaign_id}",
        response_model=CampaignView,
        responses=ERRORS,
        summary="One campaign: status, counts and its first rejected rows",
    )
    async def get_campaign(request: Request, account_id: Account, campaign_id: CampaignId) -> CampaignView:
        campaigns = _campaigns(request)
        campaign = await campaigns.get(account_id, campaign_id)
        rejected = await campaigns.store.first_rejected(campaign.id, request.app.state.settings.first_rejected_rows)
        return CampaignView.of(campaign, rejected)

    for action in Action:
        _action_route(router, Account, action)

    @router.get(
        "/{campaign_id}/rejected",
        response_model=RejectedPage,
        responses=ERRORS,
        summary="The campaign's rejected rows, in file order",
    )
    async def rejected_rows(
        request: Request,
        account_id: Account,
        campaign_id: CampaignId,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        page_size: Annotated[int, Query(alias="pageSize", ge=1, le=1000)] = 50,
    ) -> RejectedPage:
        campaigns = _campaigns(request)
        campaign = await campaigns.get(account_id, campaign_id)
        rows = await campaigns.store.first_rejected(campaign.id, page_size, (page - 1) * page_size)
        items = [
            RejectedRow(line=r["line"], code=r["code"], reason=r["reason"], row=r["shown"], stage=r["stage"])
            for r in rows
        ]
        return RejectedPage(items=items, page=page, page_size=page_size, total=campaign.rejected + campaign.refused)

    @router.get(
        "/{campaign_id}/rejected.csv",
        responses={**ERRORS, 200: {"content": {"text/csv": {}}, "description": "line,code,reason,row"}},
        response_class=StreamingResponse,
        summary="Every rejected row as CSV (line, code, reason, row)",
    )
    async def rejected_csv(request: Request, account_id: Account, campaign_id: CampaignId) -> StreamingResponse:
        campaigns = _campaigns(request)
        campaign = await campaigns.get(account_id, campaign_id)
        headers = {"Content-Disposition": f'attachment; filename="campaign-{campaign.id}-rejected.csv"'}
        return StreamingResponse(_csv(campaigns, campaign.id), media_type="text/csv; charset=utf-8", headers=headers)

    return router


def _action_route(router: APIRouter, account: object, action: Action) -> None:
    async def act(request: Request, account_id: account, campaign_id: CampaignId) -> CampaignView:  # type: ignore[valid-type]
        return CampaignView.of(await _campaigns(request).act(account_id, campaign_id, action))

    router.add_api_route(
        f"/{{campaign_id}}/{action.value}",
        act,
        methods=["POST"],
        response_model=CampaignView,
        responses=ERRORS,
        name=f"{action.value}_campaign",
        summary=f"{action.value.capitalize()} the campaign",
    )


async def _csv(campaigns: Campaigns, campaign_id: int) -> AsyncIterator[bytes]:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "code", "reason", "row"])
    async for rows in campaigns.store.rejected_batches(campaign_id, CSV_BATCH_ROWS):
        for r in rows:
            writer.writerow([r["line"], r["code"], r["reason"], r["shown"]])
        yield out.getvalue().encode()
        out.seek(0)
        out.truncate()
    if out.tell():
        yield out.getvalue().encode()
