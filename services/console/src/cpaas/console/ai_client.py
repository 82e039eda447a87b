"""The console's calls to the ai service (`ai_url`): the compliance check and AI Assist of
the Templates screen, over the app's one HTTP client. A refusal comes back as the ApiError
the ai service raised (its code, message and field); the service unreachable, too slow, or
answering 5xx is 503 SERVICE_UNAVAILABLE, and the template forms keep working without it."""

from typing import Any

import httpx

from cpaas.console.platform_apis import _relayed
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

CHECK_TIMEOUT_SECONDS = 5.0
ASSIST_TIMEOUT_SECONDS = 30.0  # assist may wait for a model (the ai service's own model timeout is 20 s)
UNAVAILABLE = "the AI service is unavailable; try again shortly (the template can still be saved without it)"


ANOMALY_TIMEOUT_SECONDS = 15.0  # Run Detection Now scores the account's last hour
ANOMALY_UNAVAILABLE = "the AI service is unavailable; try again shortly"


class AiApi:
    def __init__(self, http: httpx.AsyncClient, ai_url: str, service_token: str | None = None) -> None:
        self.http, self.ai_url, self.service_token = http, ai_url.rstrip("/"), service_token

    async def account(self, method: str, account_id: int, rest: str, params: dict | None = None) -> Any:
        """Traffic Anomaly and Spam Detection: the ai service's internal route
        `/internal/v1/accounts/{account_id}{rest}` for that account, with X-Service-Token."""
        return await self._internal(method, f"{self.ai_url}/internal/v1/accounts/{account_id}{rest}", params, None)

    async def internal(self, method: str, rest: str, *, params: dict | None = None, json: dict | None = None) -> Any:
        """An internal route of the ai service not scoped to one account (the admin's view
        of every fraud hold, a release): `/internal/v1{rest}`, with X-Service-Token."""
        return await self._internal(method, f"{self.ai_url}/internal/v1{rest}", params, json)

    async def _internal(self, method: str, url: str, params: dict | None, json: dict | None) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        headers = {"X-Service-Token": self.service_token or ""}
        try:
            response = await self.http.request(
                method, url, params=query, json=json, headers=headers, timeout=ANOMALY_TIMEOUT_SECONDS
            )
        except httpx.HTTPError:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, ANOMALY_UNAVAILABLE) from None
        if response.status_code >= 500 and response.status_code != 503:  # a 503 says why (starting) and Retry-After
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, ANOMALY_UNAVAILABLE)
        if response.status_code >= 400:
            raise _relayed("the AI service", response)
        return response.json()

    async def check(self, text: str, channel: str, category: str | None) -> dict:
        """The verdict on a text: `{riskScore, riskLevel, warnings: [...]}` (camelCase)."""
        payload = {"text": text, "channel": channel, "category": category}
        return await self._post("/api/v1/compliance/check", payload, CHECK_TIMEOUT_SECONDS)

    async def assist(self, payload: dict) -> dict:
        """Drafts of a template's fields: `{drafts, engine, fallbackReason?}`."""
        return await self._post("/api/v1/templates/assist", payload, ASSIST_TIMEOUT_SECONDS)

    async def _post(self, path: str, payload: dict, wait_seconds: float) -> Any:
        try:
            response = await self.http.post(f"{self.ai_url}{path}", json=payload, timeout=wait_seconds)
        except httpx.HTTPError:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE) from None
        if response.status_code >= 500:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, UNAVAILABLE)
        if response.status_code >= 400:
            raise _relayed("the AI service", response)
        return response.json()
