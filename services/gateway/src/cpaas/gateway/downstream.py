"""The services behind the public API's forwarded routes: campaigns (its internal
listener), the console's internal routes (templates, sender IDs, blacklist), billing
(balance, transactions) and the ai service (compliance check, AI Assist), over one HTTP
client, with the shared X-Service-Token.

The gateway has authenticated the caller; the service answers for the caller's account,
and its answer is passed through unchanged: the status, the body (the platform's one
error shape for a refusal) and the headers a client acts on. A service that cannot be
reached, or does not answer in time, is `503 SERVICE_UNAVAILABLE` with `Retry-After`,
never a 500."""

from collections.abc import AsyncIterable
from typing import Literal

import httpx
from starlette.background import BackgroundTask
from starlette.responses import Response, StreamingResponse

from cpaas.contracts.errors import ErrorCode
from cpaas.gateway.api.internal import SERVICE_TOKEN_HEADER
from cpaas.gateway.settings import GatewaySettings
from cpaas.platform.api_errors import ApiError

Service = Literal["campaigns", "console", "billing", "ai"]
NAMES: dict[Service, str] = {
    "campaigns": "the campaigns service",
    "console": "the console",
    "billing": "billing",
    "ai": "the AI service",
}
RELAYED_HEADERS = ("content-type", "retry-after", "content-disposition")
RETRY_AFTER_SECONDS = 1


class Downstream:
    def __init__(self, http: httpx.AsyncClient, settings: GatewaySettings) -> None:
        self.http = http
        self.token = settings.service_token
        self.timeout = httpx.Timeout(settings.downstream_timeout_seconds)
        self.urls: dict[Service, str] = {
            "campaigns": settings.campaigns_url.rstrip("/"),
            "console": settings.console_internal_url.rstrip("/"),
            "billing": settings.billing_url.rstrip("/"),
            "ai": settings.ai_url.rstrip("/"),
        }

    async def forward(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        params: dict | None = None,
        content: bytes | AsyncIterable[bytes] | None = None,
        headers: dict[str, str] | None = None,
        wait: httpx.Timeout | None = None,
    ) -> Response:
        """The service's answer to `method path`, read whole (a JSON answer)."""
        request = self._request(service, method, path, params, content, headers, wait)
        try:
            answer = await self.http.send(request)
        except httpx.HTTPError as error:
            raise unavailable(service, error) from None
        return Response(answer.content, status_code=answer.status_code, headers=relayed(answer))

    async def stream(self, service: Service, method: str, path: str, *, params: dict | None = None) -> Response:
        """The same, its body streamed through as it comes (a CSV of any size)."""
        request = self._request(service, method, path, params, None, None, None)
        try:
            answer = await self.http.send(request, stream=True)
        except httpx.HTTPError as error:
            raise unavailable(service, error) from None
        return StreamingResponse(
            answer.aiter_bytes(),
            status_code=answer.status_code,
            headers=relayed(answer),
            background=BackgroundTask(answer.aclose),
        )

    def _request(self, service, method, path, params, content, headers, wait) -> httpx.Request:
        return self.http.build_request(
            method,
            self.urls[service] + path,
            params={k: v for k, v in (params or {}).items() if v is not None},
            content=content,
            headers={SERVICE_TOKEN_HEADER: self.token, **(headers or {})},
            timeout=wait or self.timeout,
        )


def relayed(answer: httpx.Response) -> dict[str, str]:
    return {name: answer.headers[name] for name in RELAYED_HEADERS if name in answer.headers}


def unavailable(service: Service, error: httpx.HTTPError) -> ApiError:
    name = NAMES[service]
    if isinstance(error, httpx.TimeoutException) and not isinstance(error, httpx.ConnectTimeout | httpx.PoolTimeout):
        message = f"{name} did not answer in time; the request may or may not have been carried out, check first"
    else:
        message = f"{name} is unavailable; retry shortly"
    return ApiError(ErrorCode.SERVICE_UNAVAILABLE, message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
