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


class AiApi:
    def __init__(self, http: httpx.AsyncClient, ai_url: str) -> None:
        self.http, self.ai_url = http, ai_url.rstrip("/")

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
