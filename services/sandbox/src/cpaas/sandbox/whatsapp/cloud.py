"""What the imitated Cloud API does with a send or a template registration.

Magic recipients (last three digits, `cpaas.sandbox.outcomes`) decide the statuses that
follow an accepted send, one webhook each, `status_delay_seconds` apart, in order:

| recipient | answer to the send | status webhooks |
|---|---|---|
| ...901 | 200 | sent, then failed with 131049 (not delivered "to maintain healthy ecosystem engagement") |
| ...902 | 200 | sent, then nothing |
| ...903 | 200 | failed with 131026 ("Receiver is incapable of receiving this message": no WhatsApp) |
| ...904 | 200 | sent, delivered, read |
| ...905 | 400, code 131030 ("Recipient phone number not in allowed list") | none |
| others | 200 | sent, delivered |

A status webhook not answered 2xx is redelivered with backoff for up to 7 days, as Meta
does (`webhooks.py`); the next status of the same message waits for it, so statuses
arrive in order.

131026 is what Meta sends for a number without WhatsApp; it arrives as a status, not as
an answer to the send, which is why ...903 is accepted first. Registered templates are
reviewed after `template_review_delay_seconds`: names starting with `reject_` are
REJECTED (reason INVALID_FORMAT, with Meta's `rejection_info`: reason and recommendation),
the others APPROVED. A send with a template registered here that is not (yet) APPROVED is
refused with 132001, as Meta refuses it.
"""

import asyncio
import base64
import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field

from cpaas.sandbox.outcomes import Outcome, outcome_for
from cpaas.sandbox.whatsapp import graph
from cpaas.sandbox.whatsapp.graph import CreateTemplateRequest, SendMessageRequest
from cpaas.sandbox.whatsapp.metrics import WA_REGISTRATIONS, WA_SENDS, WA_TEMPLATES
from cpaas.sandbox.whatsapp.settings import WhatsAppSandboxSettings
from cpaas.sandbox.whatsapp.webhooks import WebhookSender, envelope, status_value

log = logging.getLogger(__name__)
REJECT_PREFIX = "reject_"
REJECTION_REASON = "INVALID_FORMAT"
# what Meta adds to an INVALID_FORMAT rejection (message_template_status_update's rejection_info)
REJECTION_INFO = {
    "reason": "The template's variables are not separated by enough text (sandbox: names starting with reject_).",
    "recommendation": "Add words between adjacent variables and do not start or end the body with one.",
}


@dataclass(frozen=True)
class StatusStep:
    status: Literal["sent", "delivered", "read", "failed"]
    error: dict[str, Any] | None = None


def _error(code: int, title: str, details: str) -> dict[str, Any]:
    return {
        "code": code,
        "title": title,
        "message": title,
        "error_data": {"details": details},
        "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
    }


SENT, DELIVERED, READ = StatusStep("sent"), StatusStep("delivered"), StatusStep("read")
NO_WHATSAPP = StatusStep(
    "failed",
    _error(graph.UNDELIVERABLE, "Receiver is incapable of receiving this message", "Message Undeliverable."),
)
NOT_DELIVERED = StatusStep(
    "failed",
    _error(
        graph.ECOSYSTEM_ENGAGEMENT,
        "This message was not delivered to maintain healthy ecosystem engagement.",
        "Message not delivered to maintain healthy ecosystem engagement.",
    ),
)
STATUS_SCRIPTS: dict[Outcome, tuple[StatusStep, ...]] = {
    Outcome.DELIVERED: (SENT, DELIVERED),
    Outcome.UNDELIVERABLE: (SENT, NOT_DELIVERED),
    Outcome.SILENT: (SENT,),
    Outcome.CHANNEL_NOT_SUPPORTED: (NO_WHATSAPP,),
    Outcome.NEVER_READ: (SENT, DELIVERED, READ),  # 904: delivered, then read
    Outcome.REFUSED: (),  # refused at the send (400, 131030)
}


class ReceivedMessage(BaseModel):
    """One send as the imitation saw it, with the statuses it POSTed since."""

    wamid: str | None = Field(description="the id answered; null when refused")
    phone_number_id: str
    to: str = Field(description="the `to` as received")
    type: str
    template_name: str | None = None
    language: str | None = None
    request: dict[str, Any] = Field(description="the request body as received")
    outcome: str = Field(description="the magic-number outcome applied")
    http_status: int
    statuses: list[dict[str, Any]] = Field(default_factory=list, description="status webhooks POSTed so far")
    received_at: datetime


class RegisteredTemplate(BaseModel):
    id: str
    waba_id: str
    name: str
    language: str
    category: str
    components: list[dict[str, Any]]
    status: Literal["PENDING", "APPROVED", "REJECTED"] = "PENDING"
    reason: str | None = None
    created_at: datetime
    media: list[dict[str, Any]] = []  # what the review fetched: url, status, contentType, bytes


MEDIA_TYPES = {"IMAGE": ("image/",), "VIDEO": ("video/",), "DOCUMENT": ("application/pdf",)}


def new_wamid() -> str:
    return "wamid.HBgM" + base64.b64encode(secrets.token_bytes(30)).decode()


@dataclass
class WhatsAppCloud:
    settings: WhatsAppSandboxSettings
    _received: deque[ReceivedMessage] = field(init=False)
    templates: dict[str, RegisteredTemplate] = field(init=False, default_factory=dict)
    # phone-number id -> when it was registered (POST /{id}/register); sends from others are refused
    phone_numbers: dict[str, datetime] = field(init=False, default_factory=dict)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    _client: httpx.AsyncClient | None = field(init=False, default=None)
    _webhooks: WebhookSender | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self._received = deque(maxlen=self.settings.received_log_size)

    async def start(self) -> None:
        self._client = httpx.AsyncClient(timeout=self.settings.webhook_timeout_seconds)
        self._webhooks = WebhookSender(self.settings, self._client)

    async def stop(self) -> None:
        """Webhooks still due or waiting for a redelivery are dropped: the sandbox holds
        nothing durable (a real provider would keep redelivering)."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._client is not None:
            await self._client.aclose()

    def authorize(self, authorization: str | None) -> None:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or token.strip() not in self.settings.access_tokens:
            raise graph.invalid_token()

    def register(self, phone_number_id: str) -> None:
        """Meta's registration of a business number for the Cloud API (idempotent here; Meta
        also limits how often). From now on the number may send."""
        self.phone_numbers.setdefault(phone_number_id, datetime.now(UTC))
        WA_REGISTRATIONS.inc()

    def send(self, phone_number_id: str, request: SendMessageRequest) -> dict[str, Any]:
        """The answer to an accepted send; raises GraphError for a refused one (a number never
        registered is refused as Graph refuses an unknown object: 400, code 100, subcode 33)."""
        if phone_number_id not in self.phone_numbers:
            WA_SENDS.labels("unknown_number").inc()
            raise graph.unknown_object(phone_number_id)
        self._check_template(request)
        outcome = outcome_for(request.wa_id)
        refused = outcome is Outcome.REFUSED
        wamid = None if refused else new_wamid()
        message = ReceivedMessage(
            wamid=wamid,
            phone_number_id=phone_number_id,
            to=request.to,
            type=request.type,
            template_name=request.template.name if request.template else None,
            language=request.template.language.code if request.template else None,
            request=request.model_dump(mode="json", exclude_none=True),
            outcome=outcome.value,
            http_status=400 if refused else 200,
            received_at=datetime.now(UTC),
        )
        self._received.append(message)
        WA_SENDS.labels(outcome.value.lower()).inc()
        if refused:
            raise graph.recipient_refused()
        self._spawn(self._play(message, STATUS_SCRIPTS[outcome], request.biz_opaque_callback_data))
        return {
            "messaging_product": "whatsapp",
            "contacts": [{"input": request.to, "wa_id": request.wa_id}],
            "messages": [{"id": wamid, "message_status": "accepted"}],
        }

    def _check_template(self, request: SendMessageRequest) -> None:
        """Meta sends only an APPROVED template: one registered here and still PENDING, or
        REJECTED, is refused as Meta refuses it (132001, "does not exist in the translation").
        A template never registered here is taken as registered out of band (the demo's)."""
        if request.template is None:
            return
        name, language = request.template.name, request.template.language.code
        known = [t for t in self.templates.values() if (t.name, t.language) == (name, language)]
        if known and not any(t.status == "APPROVED" for t in known):
            WA_SENDS.labels("template_not_approved").inc()
            raise graph.template_not_approved(name, language)

    def register_template(self, waba_id: str, request: CreateTemplateRequest) -> RegisteredTemplate:
        template = RegisteredTemplate(
            id=str(10**15 + secrets.randbelow(9 * 10**15)),
            waba_id=waba_id,
            name=request.name,
            language=request.language,
            category=request.category,
            components=[c.model_dump(mode="json", exclude_none=True) for c in request.components],
            created_at=datetime.now(UTC),
        )
        self.templates[template.id] = template
        self._spawn(self._review(template))
        return template

    def received(self, to: str | None = None, limit: int | None = None) -> list[ReceivedMessage]:
        """Oldest first; `to` matches with or without its leading '+'."""
        wanted = to.lstrip("+") if to else None
        items = [m for m in self._received if wanted is None or m.to.lstrip("+") == wanted]
        return items[-limit:] if limit else items

    def _spawn(self, coroutine: Any) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _play(self, message: ReceivedMessage, steps: tuple[StatusStep, ...], callback_data: str | None) -> None:
        assert message.wamid is not None and self._webhooks is not None
        conversation = {"id": secrets.token_hex(16), "origin": {"type": self._pricing_category(message)}}
        for step in steps:
            await asyncio.sleep(self.settings.status_delay_seconds)
            status: dict[str, Any] = {
                "id": message.wamid,
                "status": step.status,
                "timestamp": str(int(time.time())),
                "recipient_id": message.to.lstrip("+"),
            }
            if callback_data is not None:
                status["biz_opaque_callback_data"] = callback_data
            if step.error is not None:
                status["errors"] = [step.error]
            elif step.status != "read":
                status["conversation"] = conversation
                status["pricing"] = {
                    "billable": True,
                    "pricing_model": "CBP",
                    "category": conversation["origin"]["type"],
                }
            value = status_value(self.settings, message.phone_number_id, status)
            ok = await self._webhooks.post(envelope(self.settings.waba_id, "messages", value))
            message.statuses.append({"status": step.status, "webhook_delivered": ok})

    async def _review(self, template: RegisteredTemplate) -> None:
        assert self._webhooks is not None
        await asyncio.sleep(self.settings.template_review_delay_seconds)
        rejected = template.name.startswith(REJECT_PREFIX)
        media_problem = await self._check_media(template) if self.settings.fetch_media and not rejected else None
        template.status = "REJECTED" if rejected or media_problem else "APPROVED"
        template.reason = REJECTION_REASON if rejected else media_problem
        WA_TEMPLATES.labels(template.status.lower()).inc()
        value = {
            "event": template.status,
            "message_template_id": int(template.id),
            "message_template_name": template.name,
            "message_template_language": template.language,
            "reason": template.reason,
            "message_template_category": template.category,
        }
        if rejected:  # Meta explains an INVALID_FORMAT rejection
            value["rejection_info"] = REJECTION_INFO
        await self._webhooks.post(envelope(template.waba_id, "message_template_status_update", value))

    async def _check_media(self, template: RegisteredTemplate) -> str | None:
        """Fetch each media header's example, as Meta does at review; the reason to reject, or None."""
        assert self._client is not None
        for component in template.components:
            kind = component.get("format")
            if component.get("type") != "HEADER" or kind not in MEDIA_TYPES:
                continue
            for url in (component.get("example") or {}).get("header_handle", []):
                if not str(url).startswith(("http://", "https://")):
                    continue  # an upload-session handle, not a link
                try:
                    response = await self._client.get(url, follow_redirects=True)
                except httpx.HTTPError as error:
                    template.media.append({"url": url, "status": None, "error": type(error).__name__})
                    return f"media header could not be fetched: {url} ({type(error).__name__})"
                content_type = response.headers.get("content-type", "").split(";")[0]
                template.media.append(
                    {
                        "url": url,
                        "status": response.status_code,
                        "contentType": content_type,
                        "bytes": len(response.content),
                    }
                )
                if response.status_code != 200:
                    return f"media header could not be fetched: {url} ({response.status_code})"
                if not content_type.startswith(MEDIA_TYPES[kind]):
                    return (
                        f"media header is not {'an' if kind == 'IMAGE' else 'a'} {kind.lower()}: {url} ({content_type})"
                    )
        return None

    def _pricing_category(self, message: ReceivedMessage) -> str:
        for template in self.templates.values():
            if (template.name, template.language) == (message.template_name, message.language):
                return template.category.lower()
        return "utility" if message.type == "template" else "service"
