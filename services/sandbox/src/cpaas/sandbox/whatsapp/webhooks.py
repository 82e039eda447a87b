"""Webhooks as Meta sends them: the `whatsapp_business_account` envelope, signed with
the app secret in `X-Hub-Signature-256`, retried on connection errors and 5xx answers.
"""

import asyncio
import hashlib
import hmac
import json
import logging
import time
from typing import Any

import httpx

from cpaas.sandbox.whatsapp.metrics import WA_WEBHOOKS
from cpaas.sandbox.whatsapp.settings import WhatsAppSandboxSettings

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Hub-Signature-256"
RETRY_DELAYS_SECONDS = (0.25, 0.5, 1.0, 2.0, 4.0)  # pause before the 2nd, 3rd, ... try (the last repeats)


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
    """POSTs signed webhooks to one URL; `post` returns whether it was answered 2xx."""

    def __init__(self, settings: WhatsAppSandboxSettings, client: httpx.AsyncClient) -> None:
        self.settings = settings
        self.client = client

    async def post(self, payload: dict[str, Any]) -> bool:
        raw = json.dumps(payload, separators=(",", ":")).encode()
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature(self.settings.app_secret, raw),
            "User-Agent": "facebookexternalua",
        }
        for attempt in range(self.settings.webhook_attempts):
            if attempt:
                await asyncio.sleep(RETRY_DELAYS_SECONDS[min(attempt - 1, len(RETRY_DELAYS_SECONDS) - 1)])
            try:
                response = await self.client.post(self.settings.webhook_url, content=raw, headers=headers)
            except httpx.TransportError as exc:
                log.info("webhook POST failed; retrying", extra={"error": type(exc).__name__, "attempt": attempt + 1})
                continue
            if response.status_code < 500:
                ok = response.is_success
                WA_WEBHOOKS.labels("delivered" if ok else f"refused_{response.status_code}").inc()
                if not ok:
                    log.warning("webhook refused", extra={"status": response.status_code})
                return ok
            log.info("webhook answered 5xx; retrying", extra={"status": response.status_code})
        WA_WEBHOOKS.labels("given_up").inc()
        log.warning("webhook given up", extra={"url": self.settings.webhook_url})
        return False
