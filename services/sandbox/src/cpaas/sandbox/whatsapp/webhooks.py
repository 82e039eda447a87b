"""Webhooks as Meta sends them: the `whatsapp_business_account` envelope, signed with
the app secret in `X-Hub-Signature-256`, and redelivered as Meta does: any answer but
2xx, a timeout or a refused connection is tried again with exponential backoff for up
to 7 days (`cpaas.sandbox.redelivery`; the schedule is in the settings). Each message's
statuses are posted one after another, so a status waits for the one before it.
"""

import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx

from cpaas.sandbox.redelivery import Backoff, Redelivered, Redelivery
from cpaas.sandbox.whatsapp.metrics import WA_WEBHOOK_TRIES, WA_WEBHOOKS, WA_WEBHOOKS_WAITING
from cpaas.sandbox.whatsapp.settings import WhatsAppSandboxSettings

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Hub-Signature-256"


def signature(app_secret: str, raw_body: bytes) -> str:
    """The header value: `sha256=` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()


def envelope(waba_id: str, field: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": waba_id, "time": int(time.time()), "changes": [{"field": field, "value": value}]}],
    }


def status_value(settings: WhatsAppSandboxSettings, phone_number_id: str, status: dict[str, Any]) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": settings.display_phone_number, "phone_number_id": phone_number_id},
        "statuses": [status],
    }


class WebhookSender:
    """POSTs signed webhooks to one URL, redelivering until answered 2xx or given up."""

    def __init__(self, settings: WhatsAppSandboxSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client
        backoff = Backoff(
            settings.webhook_retry_base_seconds,
            settings.webhook_retry_max_seconds,
            settings.webhook_retry_horizon_seconds,
        )
        self.redelivery = Redelivery(
            backoff, max_waiting=settings.webhook_waiting_max, waiting_gauge=WA_WEBHOOKS_WAITING
        )

    async def post(self, payload: dict[str, Any]) -> bool:
        """True once the webhook was answered 2xx; False when given up (horizon or cap)."""
        raw = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self.settings.app_secret, raw),
            "User-Agent": "facebookexternalua",
        }
        outcome = await self.redelivery.deliver(lambda: self._try(raw, headers))
        WA_WEBHOOKS.labels(outcome.value).inc()
        if outcome is not Redelivered.DELIVERED:
            log.warning("webhook given up", extra={"url": self.settings.webhook_url, "result": outcome.value})
        return outcome is Redelivered.DELIVERED

    async def _try(self, raw: bytes, headers: dict[str, str]) -> bool:
        try:
            response = await self.client.post(self.settings.webhook_url, content=raw, headers=headers)
        except httpx.TransportError as exc:
            WA_WEBHOOK_TRIES.labels("unreachable").inc()
            log.info("webhook POST failed; will redeliver", extra={"error": type(exc).__name__})
            return False
        WA_WEBHOOK_TRIES.labels(str(response.status_code)).inc()
        if not response.is_success:
            log.info("webhook not answered 2xx; will redeliver", extra={"status": response.status_code})
        return response.is_success
