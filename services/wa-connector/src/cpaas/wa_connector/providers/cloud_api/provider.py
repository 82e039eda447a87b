"""The WhatsApp Cloud API (Meta's Graph API) behind our provider interface.

Sends go to `POST {base_url}/{version}/{phone_number_id}/messages` with the WABA number's
access token as a Bearer token; templates to `POST .../{waba_id}/message_templates`.
Webhooks carry `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app
secret>`, compared in constant time. No httpx or pydantic exception leaves this module,
and the access token is never put in a message, a log record or an exception.
"""

import hashlib
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import ValidationError
from starlette.responses import JSONResponse, Response

from cpaas.connector_kit.errors import SendError, WebhookMalformed, WebhookRejected
from cpaas.contracts import ErrorCode
from cpaas.contracts.templating import placeholder_count
from cpaas.wa_connector.metrics import SEND_SECONDS
from cpaas.wa_connector.providers.base import (
    Accepted,
    StatusUpdate,
    TemplateMessage,
    TemplateRegistration,
    TemplateVerdict,
    WebhookEvents,
)
from cpaas.wa_connector.providers.cloud_api import payloads as wire
from cpaas.wa_connector.providers.cloud_api.statuses import (
    failed_status_error,
    send_error_code,
    send_error_is_retryable,
    status_for,
    template_status_for,
)

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "x-hub-signature-256"
SIGNATURE_PREFIX = "sha256="
WEBHOOK_OBJECT = "whatsapp_business_account"
DEFAULT_CATEGORY = "UTILITY"
# Meta's template categories are MARKETING, UTILITY and AUTHENTICATION; the console's SERVICE
# (priced SIC by billing) is a non-promotional template, registered with Meta as UTILITY
META_CATEGORIES = {"SERVICE": "UTILITY"}
NO_REASON = "NONE"
UNAVAILABLE = ErrorCode.CARRIER_UNAVAILABLE  # Meta writes this when a verdict has no reason


def provider_template_name(name: str) -> str:
    """Meta's template names are lowercase letters, digits and underscores."""
    return name.lower().replace("-", "_")


def send_request(message: TemplateMessage) -> wire.SendRequest:
    components = []
    if message.header_media is not None:
        media = wire.MediaLink(link=message.header_media.link)
        header = wire.Parameter(type=message.header_media.kind, **{message.header_media.kind: media})
        components.append(wire.Component(type="header", parameters=[header]))
    if message.body_parameters:
        body = [wire.Parameter(type="text", text=value) for value in message.body_parameters]
        components.append(wire.Component(type="body", parameters=body))
    return wire.SendRequest(
        to=message.recipient.lstrip("+"),
        template=wire.Template(
            name=provider_template_name(message.template_name),
            language=wire.Language(code=message.language),
            components=components,
        ),
        biz_opaque_callback_data=message.reference,
    )


def template_request(registration: TemplateRegistration) -> wire.CreateTemplateRequest:
    content = registration.content
    components = []
    if content.header is not None:
        if content.header.type == "TEXT":
            components.append(wire.TemplateComponentDefinition(type="HEADER", format="TEXT", text=content.header.text))
        else:
            # Meta wants an upload-session handle as the example; the media URL stands in for it.
            example = {"header_handle": [str(content.header.media_url)]} if content.header.media_url else None
            components.append(
                wire.TemplateComponentDefinition(type="HEADER", format=content.header.type, example=example)
            )
    variables = placeholder_count(registration.body)
    body_example = {"body_text": [[f"value{n}" for n in range(1, variables + 1)]]} if variables else None
    components.append(wire.TemplateComponentDefinition(type="BODY", text=registration.body, example=body_example))
    if content.footer:
        components.append(wire.TemplateComponentDefinition(type="FOOTER", text=content.footer))
    if content.buttons:
        buttons = [
            wire.ButtonDefinition(
                type=b.type, text=b.text, url=str(b.url) if b.url else None, phone_number=b.phone_number
            )
            for b in content.buttons
        ]
        components.append(wire.TemplateComponentDefinition(type="BUTTONS", buttons=buttons))
    return wire.CreateTemplateRequest(
        name=provider_template_name(registration.name),
        language=registration.language,
        category=meta_category(registration.category),
        components=components,
    )


def meta_category(category: str | None) -> str:
    """The category Meta is asked to approve a template under."""
    name = (category or DEFAULT_CATEGORY).upper()
    return META_CATEGORIES.get(name, name)


def refusal(response: httpx.Response) -> SendError:
    """Our SendError for an error answer (the Graph error when there is one)."""
    try:
        error = wire.GraphErrorResponse.model_validate_json(response.content).error
    except ValidationError:
        error = None
    code = error.code if error else None
    retryable = send_error_is_retryable(response.status_code, code)
    if error is None:
        detail = f"HTTP {response.status_code} without a Graph error"
    else:
        detail = error.error_user_msg or (f"{error.message} ({error.details})" if error.details else error.message)
    return SendError(
        detail,
        retryable=retryable,
        error_code=send_error_code(response.status_code, code),
        carrier_error_code=str(code) if code is not None else str(response.status_code),
    )


def _outbound(build: Callable[[Any], wire.SendRequest | wire.CreateTemplateRequest], value: Any) -> dict[str, Any]:
    """The request body; a message or template the wire format cannot carry is a final refusal."""
    try:
        return build(value).wire()
    except ValidationError as exc:
        detail = f"cannot be expressed for the Cloud API: {exc.errors()[0].get('msg')}"
        raise SendError(detail, retryable=False, error_code=ErrorCode.RENDER_FAILED) from None


class CloudApiProvider:
    name = "cloud_api"

    def __init__(
        self, http: httpx.AsyncClient, *, base_url: str, api_version: str, app_secret: str, verify_token: str
    ) -> None:
        self.http = http
        self.base = f"{base_url.rstrip('/')}/{api_version}"
        self._app_secret = app_secret.encode()
        self._verify_token = verify_token

    async def send(self, message: TemplateMessage) -> Accepted:
        url = f"{self.base}/{message.sender.phone_number_id}/messages"
        body = _outbound(send_request, message)
        started = time.perf_counter()
        response = await self._post(url, body, message.sender.api_key)
        SEND_SECONDS.observe(time.perf_counter() - started)
        if not response.is_success:
            raise refusal(response)
        try:
            answer = wire.SendResponse.model_validate_json(response.content)
        except ValidationError:
            # it may have gone out: sending again could duplicate it, so this is final
            raise SendError("the provider accepted the send without a message id", retryable=False) from None
        return Accepted(answer.messages[0].id, datetime.now(UTC))

    async def register_template(self, registration: TemplateRegistration) -> str:
        url = f"{self.base}/{registration.sender.waba_id}/message_templates"
        body = _outbound(template_request, registration)
        response = await self._post(url, body, registration.sender.api_key)
        if not response.is_success:
            raise refusal(response)
        try:
            return wire.CreateTemplateResponse.model_validate_json(response.content).id
        except ValidationError:
            raise SendError("the provider answered a registration without a template id", retryable=False) from None

    async def _post(self, url: str, body: dict, token: str) -> httpx.Response:
        try:
            return await self.http.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        except httpx.TimeoutException:
            raise SendError("the provider did not answer in time", retryable=True, error_code=UNAVAILABLE) from None
        except httpx.HTTPError as exc:
            raise SendError(
                f"cannot reach the provider: {type(exc).__name__}", retryable=True, error_code=UNAVAILABLE
            ) from None

    def subscription_challenge(self, params: Mapping[str, str]) -> str | None:
        token = params.get("hub.verify_token", "")
        if params.get("hub.mode") == "subscribe" and hmac.compare_digest(token.encode(), self._verify_token.encode()):
            return params.get("hub.challenge", "")
        return None

    def parse_webhook(self, raw: bytes, headers: Mapping[str, str]) -> WebhookEvents:
        self._authenticate(raw, headers)
        try:
            notification = wire.Notification.model_validate_json(raw)
        except ValidationError as exc:
            raise WebhookMalformed(f"not a WhatsApp webhook: {exc.error_count()} errors") from None
        if notification.object != WEBHOOK_OBJECT:
            return WebhookEvents(ignored=1)
        events = WebhookEvents()
        ignored = 0
        for entry in notification.entry:
            for change in entry.changes:
                ignored += self._read_change(entry.id, change, events)
        return WebhookEvents(events.statuses, events.templates, ignored)

    def acknowledge(self) -> Response:
        return JSONResponse({"status": "received"})

    def _authenticate(self, raw: bytes, headers: Mapping[str, str]) -> None:
        given = {k.lower(): v for k, v in headers.items()}.get(SIGNATURE_HEADER, "")
        expected = SIGNATURE_PREFIX + hmac.new(self._app_secret, raw, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise WebhookRejected("missing or wrong X-Hub-Signature-256")

    def _read_change(self, waba_id: str, change: wire.Change, events: WebhookEvents) -> int:
        """Adds what the change says to `events`; returns how many parts were ignored."""
        try:
            if change.field == "messages":
                value = wire.MessagesValue.model_validate(change.value)
                events.statuses.extend(_status_update(s) for s in value.statuses)
                return len(value.messages)
            if change.field == "message_template_status_update":
                events.templates.append(_verdict(waba_id, wire.TemplateStatusValue.model_validate(change.value)))
                return 0
        except (ValidationError, ValueError) as exc:
            log.warning(
                "webhook change not understood; skipped",
                extra={"field": change.field, "error": str(exc)[:500]},
            )
        return 1


def _status_update(status: wire.Status) -> StatusUpdate:
    ours = status_for(status.status)
    error = status.errors[0] if status.errors else None
    failed = status.status.lower() == "failed"
    return StatusUpdate(
        provider_message_id=status.id,
        provider_status=status.status.lower(),
        status=ours,
        occurred_at=datetime.fromtimestamp(int(status.timestamp), UTC),
        reference=status.biz_opaque_callback_data,
        error_code=failed_status_error(error.code if error else None) if failed else None,
        carrier_error_code=str(error.code) if error else None,
        error_detail=error.text if error else None,
    )


def verdict_reason(value: wire.TemplateStatusValue) -> str | None:
    """The reason the user reads: Meta's code with its rejection_info (what is wrong, what to
    change) when it gives one, e.g. "INVALID_FORMAT: ... Recommendation: ..."."""
    code = value.reason if value.reason and value.reason.upper() != NO_REASON else None
    info = value.rejection_info or wire.RejectionInfo()
    advice = f"Recommendation: {info.recommendation}" if info.recommendation else None
    text = " ".join(part for part in (info.reason, advice) if part)
    if not text:
        return code
    return f"{code}: {text}" if code else text


def _verdict(waba_id: str, value: wire.TemplateStatusValue) -> TemplateVerdict:
    reason = verdict_reason(value)
    return TemplateVerdict(
        waba_id=waba_id,
        provider_template_id=value.message_template_id,
        name=value.message_template_name,
        language=value.message_template_language,
        provider_event=value.event.upper(),
        status=template_status_for(value.event),
        reason=reason,
    )
