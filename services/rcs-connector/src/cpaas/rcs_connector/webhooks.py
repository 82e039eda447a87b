"""`POST /webhooks/rbm`: the provider's events become status and template events.

Answers: 200 once every event of the request is applied (published) or known to need
nothing; 401 when the signature is not the provider's (logged as a warning); 400 for
a signed body outside the provider's shapes; 503 with Retry-After when an event came
before what it refers to was announced and its announce did not follow within
`early_wait_seconds` (the provider redelivers, as RBM does for any answer but 200). An
event for a send still being announced (the provider's DELIVERED can come before its
answer to the send has been recorded: the sandbox with no delay does so every time) waits
for it in-line, reading the row again at growing intervals, instead of costing the
provider's redelivery delay. A duplicate event (same message, same event type) changes nothing.
A DELIVERED or READ ends the attempt's receipt deadline; one that comes after the
deadline expired the attempt is still applied and published, after the expiry.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from cpaas.connector_kit.sends import ACCEPTED, Send
from cpaas.connector_kit.statuses import status_event
from cpaas.connector_kit.unmatched import UNKNOWN_EVENT_TYPE, UNKNOWN_MESSAGE, unmatched
from cpaas.contracts import Channel, ErrorCode, MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.api_errors import ApiError, error_response
from cpaas.platform.broker import EventPublisher
from cpaas.platform.logs import bind_log_context
from cpaas.rcs_connector.metrics import WEBHOOK_EVENTS
from cpaas.rcs_connector.providers.base import (
    DeliveryUpdate,
    RcsProvider,
    WebhookMalformed,
    WebhookRejected,
    WebhookRequest,
)
from cpaas.rcs_connector.store import RcsStore
from cpaas.rcs_connector.templates import TemplateDeps, apply_template_verdict

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/rbm"
CONNECTOR = "rcs-connector"


@dataclass
class WebhookDeps:
    store: RcsStore
    provider: RcsProvider
    publisher: EventPublisher
    templates: TemplateDeps
    retry_after_seconds: int
    early_wait_seconds: float = 2.0


def webhook_router(deps_of: Callable[[], WebhookDeps]) -> APIRouter:
    router = APIRouter(tags=["webhooks"])

    @router.post(WEBHOOK_PATH, summary="RBM events (Pub/Sub push, signed with X-Goog-Signature)")
    async def rbm_webhook(request: Request) -> Response:
        deps = deps_of()
        body = await request.body()
        try:
            parsed = deps.provider.parse_webhook(request.headers, body)
        except WebhookRejected as exc:
            log.warning("webhook refused: not signed by the provider", extra={"reason": str(exc)})
            WEBHOOK_EVENTS.labels("unknown", "bad_signature").inc()
            return error_response(ApiError(ErrorCode.UNAUTHORIZED, "the webhook signature does not match"))
        except WebhookMalformed as exc:
            log.warning("webhook refused: malformed", extra={"reason": str(exc)})
            WEBHOOK_EVENTS.labels("unknown", "malformed").inc()
            return error_response(ApiError(ErrorCode.VALIDATION_ERROR, str(exc), status=400))
        if parsed.reply is not None:
            log.info("webhook verified by the provider")
            return PlainTextResponse(parsed.reply)
        if not await apply_webhook(parsed, deps):
            return error_response(
                ApiError(
                    ErrorCode.SERVICE_UNAVAILABLE,
                    "an event came before its message or template was recorded; send it again",
                    headers={"Retry-After": str(deps.retry_after_seconds)},
                )
            )
        return JSONResponse({})

    return router


async def apply_webhook(request: WebhookRequest, deps: WebhookDeps) -> bool:
    """Apply every event; False when one must come again later."""
    complete = True
    for update in request.deliveries:
        complete &= await apply_delivery(update, deps.store, deps.publisher, deps.early_wait_seconds)
    for verdict in request.templates:
        applied = await apply_template_verdict(verdict, deps.templates)
        WEBHOOK_EVENTS.labels("template", "applied" if applied else "early").inc()
        complete &= applied
    for bot in request.bots:
        log.info("bot review verdict from the provider", extra={"bot_id": bot.bot_id, "state": bot.state})
        WEBHOOK_EVENTS.labels("bot", "logged").inc()
    for kind in request.ignored:
        WEBHOOK_EVENTS.labels("other", "ignored").inc()
        unmatched(CONNECTOR, UNKNOWN_EVENT_TYPE, event_kind=kind)
    return complete


EARLY_FIRST_POLL_SECONDS = 0.005  # then doubled, at most EARLY_MAX_POLL_SECONDS
EARLY_MAX_POLL_SECONDS = 0.1


async def announced_send(store: RcsStore, provider_message_id: str, wait_seconds: float) -> Send | None:
    """The send as its row has it once announced (or decided otherwise); while it is still
    being announced, read again at growing intervals for at most `wait_seconds`, and then
    the row as it is (not announced: the caller answers 503)."""
    send = await store.send_by_provider_id(provider_message_id)
    deadline, pause = time.monotonic() + wait_seconds, EARLY_FIRST_POLL_SECONDS
    while send is not None and not send.announced and (remaining := deadline - time.monotonic()) > 0:
        await asyncio.sleep(min(pause, remaining))
        pause = min(pause * 2, EARLY_MAX_POLL_SECONDS)
        send = await store.send_by_provider_id(provider_message_id)
    return send


async def apply_delivery(
    update: DeliveryUpdate, store: RcsStore, publisher: EventPublisher, early_wait_seconds: float = 0.0
) -> bool:
    send = await announced_send(store, update.provider_message_id, early_wait_seconds)
    if send is None or (send.state != ACCEPTED and send.announced):
        unmatched(CONNECTOR, UNKNOWN_MESSAGE, carrier_message_id=update.provider_message_id)
        WEBHOOK_EVENTS.labels(update.event_type, "unknown_message").inc()
        return True
    if not send.announced:
        WEBHOOK_EVENTS.labels(update.event_type, "early").inc()
        return False
    with bind_log_context(message_id=send.message_id, account_id=send.account_id):
        async with store.transaction() as conn:
            await store.receipt_came(conn, update.provider_message_id)  # waits for a sweep holding the row
            if not await store.add_delivery_event(conn, update):
                WEBHOOK_EVENTS.labels(update.event_type, "duplicate").inc()
                return True
            await publisher.publish(MSG_STATUS.name, _status(send, update), subject=send.message_id)
        log.info("RCS message status from the provider", extra={"status": update.status.value})
    WEBHOOK_EVENTS.labels(update.event_type, "applied").inc()
    return True


def _status(send: Send, update: DeliveryUpdate) -> MessageStatusChangedV1:
    return status_event(Channel.RCS, send, update.status, update.occurred_at)
