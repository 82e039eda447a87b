"""RBM events to the partner webhook: Pub/Sub push bodies, signed, redelivered on failure.

Every event (a user event such as DELIVERED or READ, a template verdict, an agent
verdict) travels as Google Cloud Pub/Sub push does it:
    {"message": {"data": base64(event JSON), "messageId", "publishTime"}, "subscription"}
with `X-Goog-Signature: base64(HMAC-SHA512(key=clientToken, msg=the decoded data))`,
exactly what Google's RBM webhook samples verify. An answer other than 2xx (or none) is
redelivered as RBM does: with a wait that grows up to 600 s, for 7 days
(`cpaas.sandbox.redelivery`; the schedule is in the settings). The events of one
message are posted one after another, so READ never overtakes DELIVERED.
"""

import asyncio
import base64
import contextlib
import hashlib
import hmac
import inspect
import json
import logging
import secrets
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from cpaas.sandbox.rbm.metrics import RBM_EVENTS, RBM_EVENTS_WAITING
from cpaas.sandbox.rbm.settings import RbmSandboxSettings
from cpaas.sandbox.redelivery import Backoff, Redelivered, Redelivery

log = logging.getLogger(__name__)
SUBSCRIPTION = "projects/rbm-cpaas-sandbox/subscriptions/rbm-partner-webhook"
POSTED_LOG_SIZE = 10_000

Event = dict | Callable[[], dict]  # an event, or what makes it when it falls due (a review's verdict)


def rfc3339(at: datetime | None = None) -> str:
    """Google's timestamp format: UTC, microseconds, 'Z'."""
    return (at or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def signature(data: bytes, client_token: str) -> str:
    """X-Goog-Signature of an event whose decoded `message.data` is `data`."""
    return base64.b64encode(hmac.new(client_token.encode(), data, hashlib.sha512).digest()).decode()


def push_body(event: dict) -> tuple[bytes, bytes]:
    """(the request body, the decoded data it carries) for one event."""
    data = json.dumps(event, separators=(",", ":")).encode()
    message = {
        "data": base64.b64encode(data).decode(),
        "messageId": str(secrets.randbelow(10**16)),
        "publishTime": rfc3339(),
    }
    return json.dumps({"message": message, "subscription": SUBSCRIPTION}).encode(), data


@dataclass
class PostedEvent:
    """One event and what became of it, for GET /sandbox/rbm/events."""

    event: dict
    attempts: int = 0
    last_status: int | None = None
    acknowledged: bool = False
    given_up: str | None = None  # expired (past the horizon) or dropped_over_cap
    posted_at: list[str] = field(default_factory=list)


class EventPoster:
    def __init__(self, settings: RbmSandboxSettings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.posted: deque[PostedEvent] = deque(maxlen=POSTED_LOG_SIZE)
        self._tasks: set[asyncio.Task] = set()
        backoff = Backoff(
            settings.webhook_retry_base_seconds,
            settings.webhook_retry_max_seconds,
            settings.webhook_retry_horizon_seconds,
        )
        self.redelivery = Redelivery(
            backoff, max_waiting=settings.webhook_waiting_max, waiting_gauge=RBM_EVENTS_WAITING
        )

    def schedule(self, steps: Sequence[tuple[float, Event]]) -> None:
        """Post each (delay, event) in order: an event waits for the previous one's
        acknowledgement (or until it is given up), so READ never overtakes DELIVERED."""
        task = asyncio.create_task(self._run(steps))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(self, steps: Sequence[tuple[float, Event]]) -> None:
        for delay, event in steps:
            await asyncio.sleep(delay)
            value = event() if callable(event) else event
            await self.post(await value if inspect.isawaitable(value) else value)

    async def post(self, event: dict) -> PostedEvent:
        """POST one event, redelivering while the webhook does not answer 2xx."""
        record = PostedEvent(event)
        self.posted.append(record)
        body, data = push_body(event)
        headers = {
            "Content-Type": "application/json",
            "X-Goog-Signature": signature(data, self.settings.webhook_client_token),
        }
        kind = _kind(event)
        outcome = await self.redelivery.deliver(lambda: self._try(record, body, headers, kind))
        if outcome is Redelivered.DELIVERED:
            record.acknowledged = True
            RBM_EVENTS.labels(kind, "acknowledged").inc()
        else:
            record.given_up = outcome.value
            RBM_EVENTS.labels(kind, outcome.value).inc()
            log.warning("event given up", extra={"event_kind": kind, "result": outcome.value})
        return record

    async def _try(self, record: PostedEvent, body: bytes, headers: dict[str, str], kind: str) -> bool:
        record.attempts += 1
        record.posted_at.append(rfc3339())
        try:
            response = await self.http.post(
                self.settings.webhook_url, content=body, headers=headers, timeout=self.settings.webhook_timeout_seconds
            )
        except httpx.HTTPError as exc:
            log.info("webhook not reachable; will redeliver", extra={"error": repr(exc), "event_kind": kind})
            return False
        record.last_status = response.status_code
        if not response.is_success:
            log.info(
                "webhook refused an event; will redeliver", extra={"status": response.status_code, "event_kind": kind}
            )
        return response.is_success

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task


def _kind(event: dict) -> str:
    if "templateEvent" in event:
        return "TEMPLATE"
    if "agentEvent" in event:
        return "AGENT"
    return str(event.get("eventType", "UNKNOWN"))
