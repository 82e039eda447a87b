"""The RBM webhook: signature check and events.

RBM POSTs Pub/Sub push bodies, `{"message": {"data": base64(event JSON), ...}}`, and
signs each with `X-Goog-Signature: base64(HMAC-SHA512(key=clientToken, msg=decoded
data))`; the comparison is constant-time. Configuring a webhook, RBM first POSTs
`{"clientToken", "secret"}` and expects the secret back as plain text.
"""

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from cpaas.rcs_connector.providers.base import (
    BotVerdict,
    DeliveryUpdate,
    TemplateVerdict,
    WebhookMalformed,
    WebhookRejected,
    WebhookRequest,
)
from cpaas.rcs_connector.providers.rbm.payloads import (
    AgentEvent,
    PushRequest,
    TemplateEvent,
    UserEvent,
    WebhookVerification,
)
from cpaas.rcs_connector.providers.rbm.statuses import EVENT_STATUS, TEMPLATE_STATUS

SIGNATURE_HEADER = "x-goog-signature"
USER_MESSAGE_KINDS = ("text", "suggestionResponse", "location", "userFile")
_FRACTION = re.compile(r"\.(\d{6})\d+")


def sign(data: bytes, client_token: str) -> str:
    """The X-Goog-Signature RBM puts on an event whose decoded data is `data`."""
    return base64.b64encode(hmac.new(client_token.encode(), data, hashlib.sha512).digest()).decode()


def parse_webhook(headers: Mapping[str, str], body: bytes, client_token: str) -> WebhookRequest:
    document = _json(body)
    if isinstance(document, dict) and "clientToken" in document and "secret" in document:
        return _verification(document, client_token)
    try:
        push = PushRequest.model_validate(document)
        data = base64.b64decode(push.message.data, validate=True)
    except (ValidationError, binascii.Error) as exc:
        raise WebhookMalformed("not a Pub/Sub push of an RBM event") from exc
    signature = headers.get(SIGNATURE_HEADER) or headers.get("X-Goog-Signature")
    if not signature:
        raise WebhookRejected("no X-Goog-Signature header")
    if not hmac.compare_digest(sign(data, client_token).encode(), signature.strip().encode()):
        raise WebhookRejected("X-Goog-Signature does not match the body")
    return _event(_json(data))


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise WebhookMalformed("the body is not JSON") from exc


def _verification(document: dict, client_token: str) -> WebhookRequest:
    try:
        verification = WebhookVerification.model_validate(document)
    except ValidationError as exc:
        raise WebhookMalformed("not a webhook verification") from exc
    if not hmac.compare_digest(verification.client_token.encode(), client_token.encode()):
        raise WebhookRejected("the verification's clientToken is not ours")
    return WebhookRequest(reply=verification.secret)


def _event(event: Any) -> WebhookRequest:
    if not isinstance(event, dict):
        raise WebhookMalformed("the event is not a JSON object")
    try:
        if "templateEvent" in event:
            return WebhookRequest(templates=[_template_verdict(TemplateEvent.model_validate(event["templateEvent"]))])
        if "agentEvent" in event:
            agent = AgentEvent.model_validate(event["agentEvent"])
            return WebhookRequest(bots=[BotVerdict(agent.agent_id, agent.state, agent.reason)])
        if "eventType" in event:
            return _user_event(UserEvent.model_validate(event))
    except ValidationError as exc:
        raise WebhookMalformed(f"an RBM event outside its shape: {exc.error_count()} errors") from exc
    # user messages (text, suggestion responses, locations, files) are not ours to handle
    return WebhookRequest(ignored=[next((k for k in USER_MESSAGE_KINDS if k in event), "unknown")])


def _user_event(event: UserEvent) -> WebhookRequest:
    status = EVENT_STATUS.get(event.event_type)
    if status is None:
        return WebhookRequest(ignored=[event.event_type])
    update = DeliveryUpdate(
        provider_message_id=event.message_id,
        status=status,
        event_type=event.event_type,
        event_id=event.event_id,
        occurred_at=parse_time(event.send_time),
    )
    return WebhookRequest(deliveries=[update])


def _template_verdict(event: TemplateEvent) -> TemplateVerdict:
    status = TEMPLATE_STATUS.get(event.state)
    if status is None:
        raise WebhookMalformed(f"unknown template state {event.state!r}")
    reason = event.reason or ("rejected by the RBM platform" if status == "FAILED" else None)
    return TemplateVerdict(event.agent_id, event.name, event.template_id, status, reason)  # type: ignore[arg-type]


def parse_time(value: str | None) -> datetime:
    """An RFC 3339 time as RBM writes it (up to nanoseconds, 'Z'); now when absent or odd."""
    if not value:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r".\1", value.replace("Z", "+00:00")))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
