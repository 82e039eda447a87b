"""Calls to the platform's internal HTTP APIs (billing's ledger, the gateway's submit on
an account's behalf), authenticated with the shared X-Service-Token. A refusal comes back
as the same ApiError the other service raised, so the user reads its own words."""

from typing import Any

import httpx

from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

SERVICE_TOKEN_HEADER = "X-Service-Token"  # noqa: S105 - a header name
RELAYED_HEADERS = ("retry-after",)


async def call_service(
    client: httpx.AsyncClient, what: str, token: str, method: str, path: str, **kwargs: Any
) -> httpx.Response:
    headers = {SERVICE_TOKEN_HEADER: token, **kwargs.pop("headers", {})}
    try:
        response = await client.request(method, path, headers=headers, **kwargs)
    except httpx.HTTPError:
        raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, f"{what} is unavailable; try again shortly") from None
    if response.status_code >= 500:
        raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, f"{what} is unavailable; try again shortly")
    if response.status_code >= 400:
        try:
            error = response.json().get("error", {})
        except ValueError:
            error = {}
        code = error.get("code", "VALIDATION_ERROR")
        raise ApiError(
            ErrorCode(code) if code in ErrorCode.__members__ else ErrorCode.VALIDATION_ERROR,
            error.get("message", f"{what} refused the request"),
            field=error.get("field"),
            status=response.status_code,
            headers={k: response.headers[k] for k in RELAYED_HEADERS if k in response.headers} or None,
        )
    return response
