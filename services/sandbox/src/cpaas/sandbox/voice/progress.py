"""Walking each created call through its statuses and POSTing the signed status callbacks.

One task per call. Callbacks of one call go out in order, never two at once; stopping
cancels every call still in progress. A failed callback is retried as Twilio retries
its webhooks (the "connection overrides" defaults): `callback_retry_count` times (1),
only on the failures named in `callback_retry_on` (`ct`: the connection could not be
made), after which it is lost. Twilio does not redeliver a status callback later, and
neither does this sandbox: a receiver that is down misses it, and must ask the Calls
API (GET .../Calls/{CallSid}.json) for the call's status.
"""

import asyncio
import contextlib
import logging
import uuid
from datetime import UTC, datetime
from urllib.parse import urlencode

import httpx

from cpaas.sandbox.voice.calls import (
    COMPLETED,
    EVENT_OF_STATUS,
    FINAL_STATUSES,
    IN_PROGRESS,
    Call,
    CallbackSent,
    Step,
    spoken_seconds,
)
from cpaas.sandbox.voice.metrics import VOICE_CALLBACKS
from cpaas.sandbox.voice.settings import VoiceSandboxSettings
from cpaas.sandbox.voice.signature import twilio_signature

log = logging.getLogger(__name__)
USER_AGENT = "TwilioProxy/1.1"


class CallProgress:
    def __init__(self, settings: VoiceSandboxSettings, http: httpx.AsyncClient) -> None:
        self.settings, self.http = settings, http
        self._tasks: set[asyncio.Task] = set()

    def start(self, call: Call, steps: tuple[Step, ...]) -> None:
        task = asyncio.create_task(self._run(call, steps), name=f"voice-call:{call.sid}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, call: Call, steps: tuple[Step, ...]) -> None:
        for step in steps:
            await asyncio.sleep(self.settings.call_progress_delay_seconds)
            now = datetime.now(UTC)
            self._advance(call, step, now)
            event = "completed" if step.status in FINAL_STATUSES else EVENT_OF_STATUS.get(step.status)
            if call.status_callback and event in call.status_callback_events:
                await self._post(call, step.status, now)

    @staticmethod
    def _advance(call: Call, step: Step, now: datetime) -> None:
        call.status = step.status
        if step.status == IN_PROGRESS:
            call.start_time = now
        if step.status in FINAL_STATUSES:
            call.end_time = now
            call.sip_response_code = step.sip_response_code
            call.duration = spoken_seconds(call.say) if step.status == COMPLETED else 0

    async def _post(self, call: Call, status: str, at: datetime) -> None:
        assert call.status_callback is not None
        sent = CallbackSent(status=status, sequence_number=len(call.callbacks))
        call.callbacks.append(sent)
        params = call.callback_params(status, sent.sequence_number, at)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": USER_AGENT,
            "I-Twilio-Idempotency-Token": str(uuid.uuid4()),
            "X-Twilio-Signature": twilio_signature(self.settings.auth_token, call.status_callback, params),
        }
        body = urlencode(params)
        for attempt in range(1, self.settings.callback_retry_count + 2):
            sent.attempts = attempt
            failure = await self._try(call, body, headers, sent)
            if failure is None or not self._retried_on(failure) or attempt > self.settings.callback_retry_count:
                break
            await asyncio.sleep(self.settings.callback_retry_seconds)
        ok = sent.http_status is not None and sent.http_status < 300
        VOICE_CALLBACKS.labels(status, "ok" if ok else "refused" if sent.http_status else "unreachable").inc()

    async def _try(self, call: Call, body: str, headers: dict[str, str], sent: CallbackSent) -> str | None:
        """One POST; the failure class (ct, rt, 4xx, 5xx) or None when answered 2xx/3xx."""
        assert call.status_callback is not None
        timeout = httpx.Timeout(
            self.settings.callback_timeout_seconds, connect=self.settings.callback_connect_timeout_seconds
        )
        try:
            response = await self.http.post(call.status_callback, content=body, headers=headers, timeout=timeout)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            sent.http_status = None
            log.warning("status callback could not connect", extra={"call_sid": call.sid, "error": type(exc).__name__})
            return "ct"
        except httpx.HTTPError as exc:
            sent.http_status = None
            log.warning("status callback got no answer", extra={"call_sid": call.sid, "error": type(exc).__name__})
            return "rt"
        sent.http_status = response.status_code
        if response.status_code >= 500:
            return "5xx"
        return "4xx" if response.status_code >= 400 else None

    def _retried_on(self, failure: str) -> bool:
        policy = self.settings.callback_retry_on
        return "all" in policy or failure in policy
