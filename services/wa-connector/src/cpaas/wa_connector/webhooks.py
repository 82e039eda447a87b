"""The provider's webhooks: `GET /webhooks/whatsapp` (subscription handshake) and
`POST /webhooks/whatsapp` (message statuses, template verdicts).

A POST is authenticated by the provider (signature), its statuses are applied once each
and published before the answer, so a 200 means every event is in Kafka; a failure
(database or Kafka down) answers 500 and the provider sends the webhook again.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from starlette.responses import PlainTextResponse, Response

from cpaas.connector_kit.errors import WebhookMalformed, WebhookRejected
from cpaas.connector_kit.statuses import status_event
from cpaas.connector_kit.unmatched import UNKNOWN_EVENT_TYPE, UNKNOWN_MESSAGE, unmatched
from cpaas.contracts import Channel, ErrorCode, MessageStatusChangedV1
from cpaas.contracts.topics import MSG_STATUS
from cpaas.platform.api_errors import ApiError
from cpaas.platform.broker import EventPublisher
from cpaas.platform.logs import bind_log_context
from cpaas.wa_connector.metrics import WEBHOOK_STATUSES, WEBHOOKS
from cpaas.wa_connector.providers.base import StatusUpdate, WhatsAppProvider
from cpaas.wa_connector.store import StatusChange, WaStore
from cpaas.wa_connector.templates import apply_verdicts

log = logging.getLogger(__name__)
WEBHOOK_PATH = "/webhooks/whatsapp"
CONNECTOR = "wa-connector"


@dataclass
class WebhookDeps:
    provider: WhatsAppProvider
    store: WaStore
    publisher: EventPublisher


def webhook_router(deps: Callable[[], WebhookDeps]) -> APIRouter:
    router = APIRouter(tags=["provider webhooks"])

    @router.get(WEBHOOK_PATH, response_class=PlainTextResponse)
    async def subscription_handshake(request: Request) -> Response:
        """Answers the provider's subscription check (echoes its challenge)."""
        challenge = deps().provider.subscription_challenge(dict(request.query_params))
        if challenge is None:
            WEBHOOKS.labels("handshake_refused").inc()
            raise ApiError(ErrorCode.FORBIDDEN, "the verify token does not match")
        return PlainTextResponse(challenge)

    @router.post(WEBHOOK_PATH)
    async def provider_webhook(request: Request) -> Response:
        """Message statuses and template verdicts from the provider."""
        d = deps()
        raw = await request.body()
        try:
            events = d.provider.parse_webhook(raw, request.headers)
        except WebhookRejected as exc:
            WEBHOOKS.labels("bad_signature").inc()
            log.warning(
                "webhook refused: bad signature", extra={"client": request.client.host if request.client else None}
            )
            raise ApiError(ErrorCode.UNAUTHORIZED, str(exc)) from None
        except WebhookMalformed as exc:
            WEBHOOKS.labels("invalid").inc()
            log.warning("webhook refused: not understood", extra={"error": str(exc)})
            raise ApiError(ErrorCode.VALIDATION_ERROR, str(exc)) from None
        if events.statuses:
            await apply_status_updates(events.statuses, d.store, d.publisher)
        if events.templates:
            await apply_verdicts(events.templates, d.store, d.publisher)
        unmatched(CONNECTOR, UNKNOWN_EVENT_TYPE, events.ignored)  # inbound messages, fields not handled
        WEBHOOKS.labels("ok").inc()
        return d.provider.acknowledge()

    return router


async def apply_status_updates(updates: list[StatusUpdate], store: WaStore, publisher: EventPublisher) -> None:
    async def publish(changes: list[StatusChange]) -> None:
        await publisher.publish_many((MSG_STATUS.name, e, e.message_id) for e in map(_status_event, changes))

    outcomes = await store.apply_statuses(updates, publish)
    for update, outcome in outcomes:
        WEBHOOK_STATUSES.labels(update.provider_status, outcome).inc()
        if outcome == "unknown":
            unmatched(CONNECTOR, UNKNOWN_MESSAGE, carrier_message_id=update.provider_message_id)
        elif outcome == "ignored":
            unmatched(CONNECTOR, UNKNOWN_EVENT_TYPE, provider_status=update.provider_status)


def _status_event(change: StatusChange) -> MessageStatusChangedV1:
    message, update = change.message, change.update
    assert update.status is not None
    with bind_log_context(message_id=message.message_id, account_id=message.account_id):
        log.info(
            "status applied", extra={"status": update.status.value, "carrier_error_code": update.carrier_error_code}
        )
    return status_event(
        Channel.WHATSAPP,
        message,
        update.status,
        update.occurred_at or datetime.now(UTC),
        error_code=update.error_code,
        error_detail=update.error_detail,
        carrier_error_code=update.carrier_error_code,
        carrier_message_id=update.provider_message_id,
    )
