"""`POST /api/v1/compliance/check` and `POST /api/v1/templates/assist` with the API key,
answered by the AI service (stateless: it holds no account's data, so the account is not
passed on). Bodies are passed through as sent; the AI service checks them."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cpaas.gateway.api.account import ERRORS, JSON_HEADERS, Account, Forward, body_of, json_body
from cpaas.gateway.api.edge_models import Assist, AssistIn, ComplianceCheck, ComplianceCheckIn

router = APIRouter(prefix="/api/v1")


@router.post(
    "/compliance/check",
    response_model=ComplianceCheck,
    responses=ERRORS,
    openapi_extra=json_body(ComplianceCheckIn),
    tags=["compliance"],
    summary="The TRAI/DLT compliance check of a text: risk score and level, a warning per rule with its span"
    " and a suggestion",
)
async def compliance_check(request: Request, caller: Account, forward: Forward) -> Response:
    body = await body_of(request)
    return await forward.forward("ai", "POST", "/api/v1/compliance/check", content=body, headers=JSON_HEADERS)


@router.post(
    "/templates/assist",
    response_model=Assist,
    responses=ERRORS,
    openapi_extra=json_body(AssistIn),
    tags=["templates"],
    summary="AI Assist: several compliant drafts of a template's fields from its name and instructions",
)
async def templates_assist(request: Request, caller: Account, forward: Forward) -> Response:
    body = await body_of(request)
    return await forward.forward("ai", "POST", "/api/v1/templates/assist", content=body, headers=JSON_HEADERS)
