"""`POST /internal/v1/accounts/{account_id}/messages/submit`: a submit on behalf of an
account by a trusted service (the console's Quick Message), authenticated by the shared
X-Service-Token instead of the account's API key. Not in the public OpenAPI document;
expose it only inside the cluster (the README's deployment notes)."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request
from fastapi.responses import Response

from cpaas.contracts import ErrorCode
from cpaas.contracts.submit import MAX_ID
from cpaas.platform.api_errors import ApiError

SERVICE_TOKEN_HEADER = "X-Service-Token"  # noqa: S105 - a header name


def build_router(service_token: str) -> APIRouter:
    expected = service_token.encode()

    def require_service_token(x_service_token: Annotated[str | None, Header()] = None) -> None:
        if x_service_token is None or not hmac.compare_digest(x_service_token.encode(), expected):
            raise ApiError(ErrorCode.UNAUTHORIZED, "missing or wrong X-Service-Token", field=SERVICE_TOKEN_HEADER)

    router = APIRouter(prefix="/internal/v1", dependencies=[Depends(require_service_token)], include_in_schema=False)

    @router.post("/accounts/{account_id}/messages/submit")
    async def submit_for_account(
        request: Request,
        account_id: Annotated[int, Path(gt=0, le=MAX_ID)],
        idempotency_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        raw = await request.body()
        status, body, headers = await request.app.state.submit_handler.handle_for_account(
            account_id, idempotency_key, raw
        )
        return Response(body, status_code=status, media_type="application/json", headers=headers)

    return router
