"""The account's templates, sender IDs and blacklist for a trusted service (the gateway's
public API), under `/internal/v1/accounts/{account_id}/...` with the shared X-Service-Token
instead of a login session. Served on the internal listener only (ops.InternalRoutesGuard)
and not in the console's OpenAPI document.

Each route calls exactly what the session route of the same screen calls (the rules in
domain/, the SQL in store/, and the screens' own functions and answer shapes in
api/templates.py and api/account.py), so the console and the API share one
implementation of each rule."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from cpaas.console.api import account as account_screen
from cpaas.console.api import templates as template_screen
from cpaas.console.api.account import (
    BlacklistEntry,
    BlacklistIn,
    BlacklistPage,
    SenderIdIn,
    SenderIdOut,
    SenderIdPage,
    SenderIdStatus,
)
from cpaas.console.api.ai import Gate
from cpaas.console.api.deps import PageNo, PageSize, PathId, Publisher, Store, not_found
from cpaas.console.api.templates import ChannelName, TemplateIn, TemplateOut, TemplatePage, TemplateStatus
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError
from cpaas.platform.logs import set_log_context

SERVICE_TOKEN_HEADER = "X-Service-Token"  # noqa: S105 - a header name


async def service_account(
    request: Request,
    account_id: PathId,
    x_service_token: Annotated[str | None, Header(alias=SERVICE_TOKEN_HEADER)] = None,
) -> int:
    """The account in the path, for a caller holding the service token; 404 for no such account."""
    expected = request.app.state.settings.service_token.encode()
    if x_service_token is None or not hmac.compare_digest(x_service_token.encode(), expected):
        raise ApiError(ErrorCode.UNAUTHORIZED, "missing or wrong X-Service-Token", field=SERVICE_TOKEN_HEADER)
    if not await request.app.state.store.accounts.exists(account_id):
        raise ApiError(ErrorCode.NOT_FOUND, f"no account {account_id}", field="accountId")
    set_log_context(account_id=account_id)
    return account_id


Account = Annotated[int, Depends(service_account)]


def build_router() -> APIRouter:
    router = APIRouter(prefix="/internal/v1/accounts/{account_id}", tags=["internal"], include_in_schema=False)
    _templates(router)
    _sender_ids(router)
    _blacklist(router)
    return router


def _templates(router: APIRouter) -> None:
    @router.get("/templates", response_model=TemplatePage)
    async def list_templates(
        store: Store,
        account_id: Account,
        search: Annotated[str | None, Query(max_length=100)] = None,
        channel: ChannelName | None = None,
        status: TemplateStatus | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> TemplatePage:
        rows, total = await store.templates.page(
            account_id, search=search, channel=channel, status=status, page=page, page_size=page_size
        )
        items = [template_screen.template_out(r) for r in rows]
        return TemplatePage(items=items, page=page, page_size=page_size, total=total)

    @router.get("/templates/{template_id}", response_model=TemplateOut)
    async def get_template(template_id: PathId, store: Store, account_id: Account) -> TemplateOut:
        row = await store.templates.get(account_id, template_id)
        if row is None:
            raise not_found("template")
        return template_screen.template_out(row)

    @router.post("/templates", response_model=TemplateOut, status_code=201)
    async def create_template(
        body: TemplateIn, store: Store, publisher: Publisher, gate: Gate, account_id: Account
    ) -> TemplateOut:
        # checked as the Templates screen's create is (HIGH risk needs confirmHighRisk; the verdict stored)
        return await template_screen.create(store, publisher, account_id, body, gate)


def _sender_ids(router: APIRouter) -> None:
    @router.get("/sender-ids", response_model=SenderIdPage)
    async def list_sender_ids(
        store: Store,
        account_id: Account,
        search: Annotated[str | None, Query(max_length=30)] = None,
        status: SenderIdStatus | None = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> SenderIdPage:
        rows, total = await store.sender_ids.page(
            account_id, search=search, status=status, page=page, page_size=page_size
        )
        return SenderIdPage(items=[SenderIdOut(**dict(r)) for r in rows], page=page, page_size=page_size, total=total)

    @router.post("/sender-ids", response_model=SenderIdOut, status_code=201)
    async def request_sender_id(body: SenderIdIn, store: Store, account_id: Account) -> SenderIdOut:
        return await account_screen.sender_id_requested(store, account_id, body)


def _blacklist(router: APIRouter) -> None:
    @router.get("/blacklist", response_model=BlacklistPage)
    async def list_blacklist(
        store: Store,
        account_id: Account,
        search: Annotated[str | None, Query(max_length=20)] = None,
        page: PageNo = 1,
        page_size: PageSize = 20,
    ) -> BlacklistPage:
        rows, total = await store.blacklist.page(account_id, search=search, page=page, page_size=page_size)
        items = [BlacklistEntry(**dict(r)) for r in rows]
        return BlacklistPage(items=items, page=page, page_size=page_size, total=total)

    @router.post("/blacklist", response_model=BlacklistIn, status_code=201)
    async def add_to_blacklist(body: BlacklistIn, store: Store, account_id: Account) -> BlacklistIn:
        return await account_screen.blacklisted(store, account_id, body)

    @router.delete("/blacklist/{recipient}", status_code=204)
    async def remove_from_blacklist(recipient: str, store: Store, account_id: Account) -> Response:
        await account_screen.unblacklisted(store, account_id, recipient)
        return Response(status_code=204)
