"""The programmable-voice provider (Twilio's Calls REST API and status callbacks).

Guarantees: `send` raises only SendError (every HTTP or decoding problem is wrapped);
the auth token is sent only in the Authorization header and never logged; a callback
is read only after its X-Twilio-Signature verified against the public URL it was sent to.
"""

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode

import httpx
from pydantic import ValidationError

from cpaas.contracts import ErrorCode
from cpaas.voice_connector.metrics import CREATE_SECONDS
from cpaas.voice_connector.providers.base import (
    Acknowledgement,
    CallAccepted,
    CallProgress,
    OutboundCall,
    SendError,
    WebhookMalformed,
    WebhookRejected,
)
from cpaas.voice_connector.providers.programmable_voice.payloads import (
    API_VERSION,
    ApiErrorBody,
    CallResource,
    CreateCallForm,
    StatusCallbackForm,
)
from cpaas.voice_connector.providers.programmable_voice.signature import signature_matches
from cpaas.voice_connector.providers.programmable_voice.statuses import (
    CREATE_ACCEPTED,
    CREATE_REFUSED,
    create_is_retryable,
    status_meaning,
)
from cpaas.voice_connector.providers.programmable_voice.twiml import say_twiml
from cpaas.voice_connector.settings import VoiceConnectorSettings

log = logging.getLogger(__name__)
SIGNATURE_HEADER = "x-twilio-signature"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


class ProgrammableVoice:
    name = "programmable_voice"

    def __init__(self, settings: VoiceConnectorSettings, http: httpx.AsyncClient) -> None:
        self.http = http
        self.account_sid = settings.account_sid
        self._auth_token = settings.auth_token
        self.timeout = settings.request_timeout_seconds
        self.calls_url = f"{settings.api_base_url.rstrip('/')}/{API_VERSION}/Accounts/{settings.account_sid}/Calls.json"

    def create_call_form(self, call: OutboundCall) -> CreateCallForm:
        return CreateCallForm(
            to=call.to,
            from_=call.caller_id,
            twiml=say_twiml(call.speech),
            status_callback=call.status_callback_url,
        )

    async def send(self, call: OutboundCall) -> CallAccepted:
        body = urlencode(self.create_call_form(call).form())
        started = time.perf_counter()
        try:
            response = await self.http.post(
                self.calls_url,
                content=body,
                headers={"Content-Type": FORM_CONTENT_TYPE, "Accept": "application/json"},
                auth=(self.account_sid, self._auth_token),
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise SendError(f"create-call request failed: {type(exc).__name__}", retryable=True) from None
        finally:
            CREATE_SECONDS.observe(time.perf_counter() - started)
        if response.status_code in (200, 201):
            try:
                resource = CallResource.model_validate_json(response.content)
            except ValidationError:
                raise SendError("the provider answered a create with an unreadable call", retryable=True) from None
            return CallAccepted(resource.sid, resource.status, CREATE_ACCEPTED)
        raise self._refusal(response)

    async def fetch_call(self, call_sid: str) -> CallProgress | None:
        """GET the call resource: its status now, as a callback would report it; None when
        the provider does not know the call (404). Raises SendError (retryable: timeouts,
        connection errors, 429, 5xx) when it could not be asked."""
        url = f"{self.calls_url.removesuffix('.json')}/{call_sid}.json"
        try:
            response = await self.http.get(
                url,
                headers={"Accept": "application/json"},
                auth=(self.account_sid, self._auth_token),
                timeout=self.timeout,
            )
        except httpx.HTTPError as exc:
            raise SendError(f"fetch-call request failed: {type(exc).__name__}", retryable=True) from None
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise SendError(
                f"fetch-call refused: HTTP {response.status_code}",
                retryable=create_is_retryable(response.status_code) and response.status_code not in (401, 403),
                carrier_error_code=f"HTTP {response.status_code}",
            )
        try:
            resource = CallResource.model_validate_json(response.content)
        except ValidationError:
            raise SendError("the provider answered a fetch with an unreadable call", retryable=True) from None
        return CallProgress(
            call_sid=resource.sid,
            provider_status=resource.status,
            meaning=status_meaning(resource.status),
            occurred_at=resource.ended_at(datetime.now(UTC)),
            duration_seconds=resource.duration,
        )

    @staticmethod
    def _refusal(response: httpx.Response) -> SendError:
        try:
            error: ApiErrorBody | None = ApiErrorBody.model_validate_json(response.content)
        except ValidationError:
            error = None
        code = str(error.code) if error else f"HTTP {response.status_code}"
        message = error.message if error and error.message else response.reason_phrase
        return SendError(
            f"create-call refused: HTTP {response.status_code}, code {code}: {message}",
            retryable=create_is_retryable(response.status_code),
            error_code=CREATE_REFUSED.error_code or ErrorCode.CARRIER_REJECTED,
            carrier_error_code=code,
        )

    def parse_callback(self, url: str, headers: Mapping[str, str], body: bytes) -> CallProgress:
        signature = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER), "")
        params = parse_qsl(body.decode(errors="replace"), keep_blank_values=True)
        if not signature or not signature_matches(self._auth_token, url, params, signature):
            raise WebhookRejected("X-Twilio-Signature does not match the callback")
        try:
            form = StatusCallbackForm.model_validate(dict(params))
        except ValidationError as exc:
            raise WebhookMalformed(f"not a status callback: {exc.error_count()} invalid fields") from None
        return CallProgress(
            call_sid=form.call_sid,
            provider_status=form.call_status,
            meaning=status_meaning(form.call_status),
            occurred_at=form.occurred_at(datetime.now(UTC)),
            duration_seconds=form.call_duration,
            sip_response_code=form.sip_response_code,
            sequence_number=form.sequence_number,
        )

    def acknowledge(self) -> Acknowledgement:
        return Acknowledgement(204)
