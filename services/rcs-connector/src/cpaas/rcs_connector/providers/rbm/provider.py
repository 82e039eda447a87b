"""The RBM provider: Google's RBM API calls as the Virtuoso platform serves them.

Sends are idempotent at the provider: a message id RBM already accepted is answered
409 ALREADY_EXISTS, which we take as accepted (the one crash window of a send, between
the provider's answer and our record of it, therefore never sends twice). Secrets
travel only in the Authorization header and are never part of a log or an error.
"""

import logging
import time
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from cpaas.rcs_connector.domain.rendering import RcsMessage
from cpaas.rcs_connector.metrics import PROVIDER_CALLS, PROVIDER_SECONDS
from cpaas.rcs_connector.providers.base import Accepted, Bot, BotRegistration, SendError, WebhookRequest
from cpaas.rcs_connector.providers.rbm.messages import agent_message, content_message
from cpaas.rcs_connector.providers.rbm.payloads import (
    AgentCreated,
    AgentRegistration,
    ErrorBody,
    TemplateCreated,
    TemplateRegistration,
)
from cpaas.rcs_connector.providers.rbm.statuses import ALREADY_ACCEPTED, error_meaning
from cpaas.rcs_connector.providers.rbm.webhook import parse_time, parse_webhook

log = logging.getLogger(__name__)
MAX_DETAIL_CHARS = 500
DEFAULT_BRAND = "-"  # the partner's own brand


class RbmProvider:
    name = "rbm"

    def __init__(self, http: httpx.AsyncClient, *, client_token: str, partner_token: str) -> None:
        """`http` carries the RBM API base URL, timeouts and connection limits."""
        self.http = http
        self._client_token = client_token
        self._partner_token = partner_token

    async def recipient_capable(self, bot: Bot, recipient: str) -> bool:
        params = {"requestId": str(uuid.uuid4()), "agentId": bot.bot_id}
        try:
            await self._call("capability", "GET", f"/v1/phones/{_phone(recipient)}/capabilities", bot.api_key, params)
        except SendError as exc:
            if exc.carrier_error_code == "NOT_FOUND":
                return False
            raise
        return True

    async def send(self, bot: Bot, recipient: str, provider_message_id: str, message: RcsMessage) -> Accepted:
        params = {"messageId": provider_message_id, "agentId": bot.bot_id}
        body = agent_message(message).wire()
        try:
            answer = await self._call(
                "send", "POST", f"/v1/phones/{_phone(recipient)}/agentMessages", bot.api_key, params, body
            )
        except SendError as exc:
            if exc.carrier_error_code == ALREADY_ACCEPTED:
                log.info(
                    "the provider had accepted this message already", extra={"carrier_message_id": provider_message_id}
                )
                return Accepted(provider_message_id, datetime.now(UTC))
            raise
        return Accepted(provider_message_id, parse_time(answer.get("sendTime") if isinstance(answer, dict) else None))

    def parse_webhook(self, headers: Mapping[str, str], body: bytes) -> WebhookRequest:
        return parse_webhook(headers, body, self._client_token)

    async def register_template(self, bot: Bot, name: str, message: RcsMessage) -> str:
        registration = TemplateRegistration(name=name, type=message.kind, content=content_message(message))
        path = f"/v1/agents/{quote(bot.bot_id, safe='')}/templates"
        answer = await self._call("template", "POST", path, bot.api_key, None, registration.wire())
        return _parse(TemplateCreated, answer).template_id

    async def register_bot(self, display_name: str, handle: str) -> BotRegistration:
        body = AgentRegistration(display_name=display_name, handle=handle).wire()
        answer = await self._call("bot", "POST", f"/v1/brands/{DEFAULT_BRAND}/agents", self._partner_token, None, body)
        created = _parse(AgentCreated, answer)
        return BotRegistration(bot_id=created.agent_id, state=created.state, api_key=created.secret)

    async def _call(
        self, operation: str, method: str, path: str, secret: str, params: dict | None, body: dict | None = None
    ) -> Any:
        """One API call; its JSON answer, or SendError (never an httpx exception)."""
        started = time.perf_counter()
        try:
            response = await self.http.request(
                method, path, params=params, json=body, headers={"Authorization": f"Bearer {secret}"}
            )
        except httpx.TimeoutException as exc:
            PROVIDER_CALLS.labels(operation, "timeout").inc()
            raise SendError(f"RBM API timed out ({type(exc).__name__})", retryable=True, **_UNAVAILABLE) from None
        except httpx.HTTPError as exc:
            PROVIDER_CALLS.labels(operation, "unreachable").inc()
            raise SendError(f"RBM API unreachable ({type(exc).__name__})", retryable=True, **_UNAVAILABLE) from None
        finally:
            PROVIDER_SECONDS.labels(operation).observe(time.perf_counter() - started)
        PROVIDER_CALLS.labels(operation, str(response.status_code)).inc()
        if response.is_success:
            try:
                return response.json()
            except ValueError:
                return None
        raise _error(response)


_UNAVAILABLE: dict[str, Any] = {"carrier_error_code": "UNAVAILABLE"}


def _phone(recipient: str) -> str:
    """The msisdn path segment: E.164 with its '+' (RBM's 'phones/+919876543210')."""
    return quote(recipient, safe="+")


def _error(response: httpx.Response) -> SendError:
    try:
        detail = ErrorBody.model_validate_json(response.content).error
        status, message = detail.status, detail.message
    except ValidationError:
        status, message = None, response.text
    meaning = error_meaning(response.status_code, status)
    text = f"RBM answered {response.status_code} {status or ''}: {message}".strip()[:MAX_DETAIL_CHARS]
    return SendError(
        text,
        retryable=meaning.retryable,
        error_code=meaning.error_code,
        carrier_error_code=status or str(response.status_code),
    )


def _parse(model: type, answer: Any) -> Any:
    try:
        return model.model_validate(answer)
    except ValidationError:
        raise SendError("RBM answered 200 with an unexpected body", retryable=False) from None
