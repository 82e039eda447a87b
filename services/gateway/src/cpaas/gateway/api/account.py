"""The account's templates, sender IDs and blacklist (answered by the console's internal
routes, which run the console screens' own rules) and its balance and transactions
(billing's ledger), with the API key, for the caller's account only.

Request bodies are passed through as sent: the service that owns the rule checks them
(the shapes are documented in the OpenAPI document from edge_models)."""

from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response

from cpaas.contracts.errors import ErrorCode
from cpaas.contracts.submit import MAX_ID
from cpaas.gateway.api.auth import Caller, authenticate
from cpaas.gateway.api.edge_models import (
    Balance,
    BlacklistIn,
    BlacklistPage,
    ChannelName,
    SenderId,
    SenderIdIn,
    SenderIdPage,
    Template,
    TemplateIn,
    TemplatePage,
    TransactionPage,
)
from cpaas.gateway.api.models import ErrorResponse
from cpaas.gateway.downstream import Downstream
from cpaas.platform.api_errors import ApiError

router = APIRouter(prefix="/api/v1")
ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 403, 404, 409, 422, 429, 503)}
PageNo = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(alias="pageSize", ge=1, description="At most 100")]
JSON_HEADERS = {"content-type": "application/json"}
MAX_JSON_BYTES = 256 * 1024
RECIPIENT_IN_PATH = r"^\+?[0-9][0-9 ().-]*$"  # a phone number as written: never a path segment like ".."


async def body_of(request: Request) -> bytes:
    """The request's body, refused past MAX_JSON_BYTES (a template is a few KiB)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON_BYTES:
            raise ApiError(ErrorCode.PAYLOAD_TOO_LARGE, f"the body is larger than {MAX_JSON_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def json_body(model: type) -> dict:
    """openapi_extra of a route whose JSON body is passed through: its documented schema."""
    schema = {"$ref": f"#/components/schemas/{model.__name__}"}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _downstream(request: Request) -> Downstream:
    return request.app.state.downstream


Forward = Annotated[Downstream, Depends(_downstream)]
Account = Annotated[Caller, Depends(authenticate)]


def _console(caller: Caller, rest: str) -> str:
    return f"/internal/v1/accounts/{caller.account_id}{rest}"


def _billing(caller: Caller, rest: str) -> str:
    return f"/api/v1/billing/accounts/{caller.account_id}{rest}"


@router.post(
    "/templates",
    status_code=201,
    response_model=Template,
    responses=ERRORS,
    openapi_extra=json_body(TemplateIn),
    tags=["templates"],
    summary="Create a template (SMS, WhatsApp, RCS, Voice); it is PENDING until approved",
)
async def create_template(request: Request, caller: Account, forward: Forward) -> Response:
    body = await body_of(request)
    return await forward.forward("console", "POST", _console(caller, "/templates"), content=body, headers=JSON_HEADERS)


@router.get(
    "/templates",
    response_model=TemplatePage,
    responses=ERRORS,
    tags=["templates"],
    summary="The account's templates with their status, newest first",
)
async def list_templates(
    caller: Account,
    forward: Forward,
    search: Annotated[str | None, Query(max_length=100)] = None,
    channel: ChannelName | None = None,
    status: Literal["PENDING", "APPROVED", "REJECTED", "FAILED"] | None = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Response:
    params = {"search": search, "channel": channel, "status": status, "page": page, "pageSize": page_size}
    return await forward.forward("console", "GET", _console(caller, "/templates"), params=params)


@router.get(
    "/templates/{template_id}",
    response_model=Template,
    responses=ERRORS,
    tags=["templates"],
    summary="One template: its status and, when rejected or failed, the reason",
)
async def get_template(
    template_id: Annotated[int, Path(ge=1, le=MAX_ID)], caller: Account, forward: Forward
) -> Response:
    return await forward.forward("console", "GET", _console(caller, f"/templates/{template_id}"))


@router.post(
    "/sender-ids",
    status_code=201,
    response_model=SenderId,
    responses=ERRORS,
    openapi_extra=json_body(SenderIdIn),
    tags=["sender IDs"],
    summary="Request a sender ID (DLT header); it is PENDING until the admin approves it",
)
async def request_sender_id(request: Request, caller: Account, forward: Forward) -> Response:
    body = await body_of(request)
    return await forward.forward("console", "POST", _console(caller, "/sender-ids"), content=body, headers=JSON_HEADERS)


@router.get("/sender-ids", response_model=SenderIdPage, responses=ERRORS, tags=["sender IDs"], summary="Sender IDs")
async def list_sender_ids(
    caller: Account,
    forward: Forward,
    search: Annotated[str | None, Query(max_length=30)] = None,
    status: Literal["PENDING", "APPROVED", "REJECTED"] | None = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Response:
    params = {"search": search, "status": status, "page": page, "pageSize": page_size}
    return await forward.forward("console", "GET", _console(caller, "/sender-ids"), params=params)


@router.post(
    "/blacklist",
    status_code=201,
    response_model=BlacklistIn,
    responses=ERRORS,
    openapi_extra=json_body(BlacklistIn),
    tags=["blacklist"],
    summary="Add a number to the blacklist (idempotent); submits and campaigns to it are refused",
)
async def add_to_blacklist(request: Request, caller: Account, forward: Forward) -> Response:
    body = await body_of(request)
    return await forward.forward("console", "POST", _console(caller, "/blacklist"), content=body, headers=JSON_HEADERS)


@router.get(
    "/blacklist", response_model=BlacklistPage, responses=ERRORS, tags=["blacklist"], summary="Blacklisted numbers"
)
async def list_blacklist(
    caller: Account,
    forward: Forward,
    search: Annotated[str | None, Query(max_length=20, description="Digits of the number")] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Response:
    params = {"search": search, "page": page, "pageSize": page_size}
    return await forward.forward("console", "GET", _console(caller, "/blacklist"), params=params)


@router.delete(
    "/blacklist/{recipient}",
    status_code=204,
    response_class=Response,
    responses=ERRORS,
    tags=["blacklist"],
    summary="Remove a number from the blacklist (404 when it is not on it)",
)
async def remove_from_blacklist(
    recipient: Annotated[str, Path(max_length=32, pattern=RECIPIENT_IN_PATH)], caller: Account, forward: Forward
) -> Response:
    return await forward.forward("console", "DELETE", _console(caller, f"/blacklist/{quote(recipient, safe='+')}"))


@router.get(
    "/billing/balance", response_model=Balance, responses=ERRORS, tags=["billing"], summary="The prepaid balance"
)
async def balance(caller: Account, forward: Forward) -> Response:
    return await forward.forward("billing", "GET", _billing(caller, "/balance"))


@router.get(
    "/billing/transactions",
    response_model=TransactionPage,
    responses=ERRORS,
    tags=["billing"],
    summary="The account's ledger (charges, credits, debits), newest first",
)
async def transactions(
    caller: Account,
    forward: Forward,
    kind: Literal["CHARGE", "CREDIT", "DEBIT"] | None = None,
    since: Annotated[str | None, Query(alias="from", description="ISO 8601, inclusive")] = None,
    until: Annotated[str | None, Query(alias="to", description="ISO 8601, exclusive")] = None,
    page: PageNo = 1,
    page_size: PageSize = 20,
) -> Response:
    params = {"kind": kind, "from": since, "to": until, "page": page, "pageSize": page_size}
    return await forward.forward("billing", "GET", _billing(caller, "/transactions"), params=params)
