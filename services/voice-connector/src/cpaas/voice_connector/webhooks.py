"""The status-callback webhook: POST /webhooks/voice/status, called by the provider.

Answers: the provider's acknowledgement once the callback is applied (or was a
duplicate); 401 when its signature does not verify (logged as a warning); 400 when it is
not a status callback; 404 for a call this service never placed; 500 when it could not be
applied (nothing was recorded, so the provider's retry applies it).
"""

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from starlette.responses import Response

from cpaas.connector_kit.sends import Key
from cpaas.contracts import ErrorCode
from cpaas.platform.api_errors import ApiError
from cpaas.voice_connector.callbacks import Applied, CallbackDeps, apply_callback
from cpaas.voice_connector.calling import STATUS_CALLBACK_PATH
from cpaas.voice_connector.metrics import CALLBACKS
from cpaas.voice_connector.providers import VoiceProvider, WebhookMalformed, WebhookRejected

log = logging.getLogger(__name__)


def webhook_router(
    public_base_url: str, provider_of: Callable[[], VoiceProvider], deps: Callable[[], CallbackDeps]
) -> APIRouter:
    """`provider_of` and `deps` give what the app built when it started."""
    router = APIRouter(tags=["provider webhooks"])

    @router.post(STATUS_CALLBACK_PATH, status_code=204)
    async def voice_status_callback(request: Request) -> Response:
        """A call's progress, as the provider reports it (signed)."""
        # The signature covers the URL the provider was given, not the one this process
        # sees behind a proxy: rebuild it from the public base URL.
        query = request.url.query
        url = f"{public_base_url.rstrip('/')}{STATUS_CALLBACK_PATH}" + (f"?{query}" if query else "")
        provider = provider_of()
        try:
            progress = provider.parse_callback(url, request.headers, await request.body())
        except WebhookRejected as exc:
            CALLBACKS.labels("bad_signature").inc()
            log.warning("status callback refused: bad signature", extra={"client": _client(request)})
            raise ApiError(ErrorCode.UNAUTHORIZED, str(exc)) from None
        except WebhookMalformed as exc:
            CALLBACKS.labels("invalid").inc()
            raise ApiError(ErrorCode.VALIDATION_ERROR, str(exc), status=400) from None
        applied = await apply_callback(progress, _hint(request), deps())
        if applied is Applied.UNKNOWN_CALL:
            raise ApiError(ErrorCode.NOT_FOUND, f"no call {progress.call_sid} was placed by this service")
        ack = provider.acknowledge()
        return Response(ack.body, status_code=ack.status_code, media_type=ack.media_type)

    return router


def _hint(request: Request) -> Key | None:
    """The message id and attempt our callback URL carries."""
    message_id, attempt = request.query_params.get("messageId"), request.query_params.get("attempt")
    if message_id and attempt and attempt.isdigit():
        return (message_id, int(attempt))
    return None


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None
