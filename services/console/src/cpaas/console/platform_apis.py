"""The console's calls to the platform's internal HTTP APIs, over one client: billing's
ledger (`billing_url`), the gateway's internal submit on an account's behalf
(`gateway_url`) and the campaigns service's routes of an account (`campaigns_url`),
authenticated with the shared X-Service-Token. A refusal comes back as the same ApiError
the other service raised, so the user reads its own words; a service that cannot be
reached, or answers 5xx, is 503 SERVICE_UNAVAILABLE."""

from typing import Any

import httpx

from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

SERVICE_TOKEN_HEADER = "X-Service-Token"  # noqa: S105 - a header name
RELAYED_HEADERS = ("retry-after",)
BILLING_TIMEOUT_SECONDS = 5.0
GATEWAY_TIMEOUT_SECONDS = 10.0  # a submit waits for the broker's acknowledgement
CAMPAIGNS_TIMEOUT_SECONDS = 10.0
# an upload streams for as long as the user's connection takes; the answer comes once it is stored
CAMPAIGN_UPLOAD_TIMEOUT = httpx.Timeout(connect=5.0, read=120.0, write=120.0, pool=10.0)


class PlatformApis:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        billing_url: str,
        gateway_url: str,
        service_token: str,
        campaigns_url: str = "http://127.0.0.1:9096",
    ) -> None:
        self.http, self.service_token = http, service_token
        self.billing_url, self.gateway_url = billing_url.rstrip("/"), gateway_url.rstrip("/")
        self.campaigns_url = campaigns_url.rstrip("/")

    async def billing(self, method: str, path: str, **kwargs: Any) -> dict:
        """Billing's answer to `method /api/v1/billing{path}`."""
        url = f"{self.billing_url}/api/v1/billing{path}"
        response = await self._call("billing", method, url, timeout=BILLING_TIMEOUT_SECONDS, **kwargs)
        return response.json()

    async def submit(self, account_id: int, request_json: str, idempotency_key: str | None) -> dict:
        """The gateway's answer to a submit on the account's behalf (its SubmitResponse)."""
        headers = {"Content-Type": "application/json"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = f"{self.gateway_url}/internal/v1/accounts/{account_id}/messages/submit"
        response = await self._call(
            "the gateway", "POST", url, timeout=GATEWAY_TIMEOUT_SECONDS, content=request_json, headers=headers
        )
        return response.json()

    def campaigns_path(self, account_id: int, path: str = "") -> str:
        return f"{self.campaigns_url}/internal/v1/accounts/{account_id}/campaigns{path}"

    async def campaigns(self, account_id: int, method: str, path: str = "", **kwargs: Any) -> Any:
        """The campaigns service's answer to `method /internal/v1/accounts/{account_id}/campaigns{path}`."""
        kwargs.setdefault("timeout", CAMPAIGNS_TIMEOUT_SECONDS)
        response = await self._call("the campaigns service", method, self.campaigns_path(account_id, path), **kwargs)
        return response.json()

    async def campaigns_stream(self, account_id: int, method: str, path: str = "", **kwargs: Any) -> httpx.Response:
        """The same, its body not read yet (the caller streams it on and closes the response)."""
        headers = {SERVICE_TOKEN_HEADER: self.service_token, **kwargs.pop("headers", {})}
        kwargs.setdefault("timeout", CAMPAIGN_UPLOAD_TIMEOUT)
        request = self.http.build_request(method, self.campaigns_path(account_id, path), headers=headers, **kwargs)
        try:
            response = await self.http.send(request, stream=True)
        except httpx.HTTPError:
            raise ApiError(
                ErrorCode.SERVICE_UNAVAILABLE, "the campaigns service is unavailable; try again shortly"
            ) from None
        if response.status_code >= 400:
            await response.aread()
            await response.aclose()
            if response.status_code >= 500:
                raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "the campaigns service is unavailable; try again shortly")
            raise _relayed("the campaigns service", response)
        return response

    async def _call(self, what: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        headers = {SERVICE_TOKEN_HEADER: self.service_token, **kwargs.pop("headers", {})}
        try:
            response = await self.http.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, f"{what} is unavailable; try again shortly") from None
        if response.status_code >= 500:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, f"{what} is unavailable; try again shortly")
        if response.status_code >= 400:
            raise _relayed(what, response)
        return response


def _relayed(what: str, response: httpx.Response) -> ApiError:
    """The other service's refusal as our ApiError: its code, message, field, status, Retry-After."""
    try:
        error = response.json().get("error", {})
    except ValueError:
        error = {}
    code = error.get("code", "VALIDATION_ERROR")
    return ApiError(
        ErrorCode(code) if code in ErrorCode.__members__ else ErrorCode.VALIDATION_ERROR,
        error.get("message", f"{what} refused the request"),
        field=error.get("field"),
        status=response.status_code,
        headers={k: response.headers[k] for k in RELAYED_HEADERS if k in response.headers} or None,
    )
