"""The submit handler: authenticate, validate against the cached control plane
(cpaas.control_plane), claim the Idempotency-Key, publish, answer. No database round trip unless an Idempotency-Key is
sent (then one claim per micro-batch) or a cache is cold.

A 202 means the event is in Kafka (acknowledged by every in-sync replica): that, not a
database row, is what makes the answer final. With a key, the key is marked COMPLETED
just after the 202, in the background (one UPDATE per micro-batch), so the answer does not
wait a second round trip. A retry in those milliseconds is told 409 IDEMPOTENCY_IN_PROGRESS;
if the gateway dies before the mark, the key stays PENDING and a retry after its lease
republishes the same message id (consumers dedupe by it). So a replay never points at
nothing, and a key never gets a second message id.
"""

import asyncio
import hashlib
import json
import logging
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from cpaas.contracts import Channel, ErrorCode, MessageStatus, new_message_id
from cpaas.contracts.fraud import refuse_if_held
from cpaas.contracts.submit import SubmitRequest
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.control_plane import ControlPlane
from cpaas.gateway.api.auth import API_KEY_HEADER, Caller, authenticate_key
from cpaas.gateway.domain import submit as rules
from cpaas.gateway.domain.limits import InvalidKeyThrottle, RateLimiter
from cpaas.gateway.metrics import SUBMITS
from cpaas.gateway.settings import GatewaySettings
from cpaas.gateway.store import Balances, Claim, ClaimResult, IdempotencyStore
from cpaas.platform.api_errors import ApiError, validation_error
from cpaas.platform.broker import EventPublisher
from cpaas.platform.logs import set_log_context

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
MAX_IDEMPOTENCY_KEY_LENGTH = 255
IDEMPOTENCY_KEY_HEADER = "Idempotency-Key"
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


class SubmitHandler:
    """Returns (status, JSON body, extra headers); refusals come back as their error body.
    `balances` is None when the credit check is off."""

    def __init__(
        self,
        settings: GatewaySettings,
        *,
        control: ControlPlane,
        idempotency: IdempotencyStore,
        publisher: EventPublisher,
        balances: Balances | None,
        rate_limiter: RateLimiter,
        key_throttle: InvalidKeyThrottle,
    ) -> None:
        self.settings = settings
        self.enabled_channels: frozenset[Channel] = frozenset(settings.enabled_channels)
        self.control, self.idempotency, self.publisher = control, idempotency, publisher
        self.balances, self.rate_limiter, self.key_throttle = balances, rate_limiter, key_throttle

    async def handle(self, headers: Mapping[str, str], ip: str | None, raw: bytes) -> tuple[int, str, dict | None]:
        """A submit authenticated by its X-API-Key (and the account's IP allow-list)."""
        try:
            caller = await authenticate_key(self.control, self.key_throttle, headers.get(API_KEY_HEADER.lower()), ip)
            return await self._submit(caller, headers.get(IDEMPOTENCY_KEY_HEADER.lower()), raw)
        except ApiError as error:
            return _refusal(error)

    async def handle_for_account(
        self, account_id: int, idempotency_key: str | None, raw: bytes
    ) -> tuple[int, str, dict | None]:
        """A submit on behalf of an account, from a trusted service (the console's Quick
        Message): every rule of the public path applies except the API key and IP allow-list."""
        try:
            account = await self.control.account(account_id)
            if account is None:
                raise ApiError(ErrorCode.NOT_FOUND, f"no account {account_id}")
            if not account.active:
                raise ApiError(ErrorCode.FORBIDDEN, "this account is suspended")
            set_log_context(account_id=account_id)
            return await self._submit(Caller(account_id, account), idempotency_key, raw)
        except ApiError as error:
            return _refusal(error)

    async def _submit(self, caller: Caller, idempotency_key: str | None, raw: bytes) -> tuple[int, str, dict | None]:
        await self.rate_limiter.take(caller.account_id, caller.account.submit_rate_per_second)
        body = parse(raw)
        check_idempotency_key(idempotency_key)
        recipient = rules.normalize_recipient(body.recipient)
        control = self.control
        senders = (await control.sender_ids(caller.account_id)).approved
        templates = []
        levels = rules.levels_of(body)  # each with its own variables
        for level in levels:  # sequential: cache hits do not suspend, a gather would add tasks
            template = await control.template(caller.account_id, level.template_id)
            rules.check_level(level, template, senders, self.enabled_channels)
            templates.append(template)
        rules.check_not_blacklisted(recipient, await control.blacklist(caller.account_id))
        refuse_if_held(recipient, await control.fraud_holds(caller.account_id))
        if self.balances is not None:
            rules.check_balance(await self.balances.balance(caller.account_id))

        message_id = new_message_id()
        response = _response(message_id, body, recipient)
        claim = None
        if idempotency_key is not None:
            claim = Claim(
                caller.account_id, idempotency_key, _hash(body), message_id, response, owner=Claim.new_owner()
            )
            outcome = await self._claim(claim)
            if outcome.result is ClaimResult.REPLAY:
                SUBMITS.labels(body.channel, "replayed").inc()
                return 202, outcome.response, {"Idempotent-Replayed": "true"}
            message_id, response = outcome.message_id, outcome.response  # a taken-over key keeps its id
        set_log_context(message_id=message_id)
        event = rules.build_event(
            levels,
            message_id=message_id,
            account_id=caller.account_id,
            recipient=recipient,
            primary=templates[0],
            now=datetime.now(UTC),
        )
        await self._publish(body, event, message_id, claim)
        if claim is not None:
            self.idempotency.complete(claim, message_id)
        SUBMITS.labels(body.channel, "accepted").inc()
        return 202, response, None

    async def _claim(self, claim: Claim):
        """The key's outcome when this request may go on (owned or replay); else the 409."""
        outcome = await self.idempotency.claim(claim)
        if outcome.result is ClaimResult.CONFLICT:
            raise ApiError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "this Idempotency-Key was already used with a different request",
                field=IDEMPOTENCY_KEY_HEADER,
            )
        if outcome.result is ClaimResult.IN_PROGRESS:
            raise ApiError(
                ErrorCode.IDEMPOTENCY_IN_PROGRESS,
                "a request with this Idempotency-Key is in flight; retry after it finishes (you will get its answer)",
                field=IDEMPOTENCY_KEY_HEADER,
                headers={"Retry-After": str(max(1, math.ceil(outcome.retry_after)))},
            )
        return outcome

    async def _publish(self, body: SubmitRequest, event, message_id: str, claim: Claim | None) -> None:
        """Wait for Kafka's ack, at most publish_timeout_seconds; else 503 (a keyed retry resends
        the same message id at once; an unkeyed one may make a second message if this one lands)."""
        try:
            async with asyncio.timeout(self.settings.publish_timeout_seconds):
                await self.publisher.publish(SUBMIT_TOPICS[body.channel].name, event, subject=message_id)
        except Exception as exc:
            log.exception("could not queue the message; answering 503")
            if claim is not None:
                await self._abandon(claim)
            retry = "retry with the same Idempotency-Key" if claim else "retry later (with an Idempotency-Key)"
            raise ApiError(
                ErrorCode.SERVICE_UNAVAILABLE,
                f"the message could not be queued; {retry}",
                headers={"Retry-After": "1"},
            ) from exc

    async def _abandon(self, claim: Claim) -> None:
        try:
            await self.idempotency.abandon(claim)
        except Exception:  # the lease then runs out by itself
            log.exception("could not cut the Idempotency-Key's lease short")


def check_idempotency_key(key: str | None) -> None:
    if key is None:
        return
    if not 0 < len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH or CONTROL_CHARACTER.search(key):
        raise ApiError(
            ErrorCode.VALIDATION_ERROR,
            f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters without control characters",
            field=IDEMPOTENCY_KEY_HEADER,
        )


def _hash(body: SubmitRequest) -> bytes:
    return hashlib.sha256(body.model_dump_json().encode()).digest()


def _response(message_id: str, body: SubmitRequest, recipient: str) -> str:
    """The SubmitResponse shape (documented in OpenAPI), serialized without a model on the hot path."""
    return orjson.dumps(
        {
            "messageId": message_id,
            "status": MessageStatus.SUBMITTED.value,
            "channel": body.channel.value,
            "recipient": recipient,
        }
    ).decode()


def _refusal(error: ApiError) -> tuple[int, str, dict | None]:
    SUBMITS.labels("-", error.code.value).inc()
    return error.status, json.dumps(error.body()), error.headers


def parse(raw: bytes) -> SubmitRequest:
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(ErrorCode.PAYLOAD_TOO_LARGE, f"the body is over {MAX_BODY_BYTES} bytes")
    try:
        return SubmitRequest.model_validate_json(raw)
    except ValidationError as exc:
        raise validation_error(exc) from exc
