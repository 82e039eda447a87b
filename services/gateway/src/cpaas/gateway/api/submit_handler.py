"""The submit path: authenticate, validate against the cached control plane, reserve the
Idempotency-Key, publish, answer. No database round trip unless an Idempotency-Key is
sent (then one per micro-batch) or a cache is cold.
"""

import hashlib
import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

import orjson
from pydantic import ValidationError

from cpaas.contracts import ErrorCode, MessageStatus, new_message_id
from cpaas.contracts.submit import SubmitRequest
from cpaas.contracts.templating import normalize_variables
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.gateway.api.auth import API_KEY_HEADER, Caller, authenticate_key
from cpaas.gateway.domain import submit as rules
from cpaas.gateway.idempotency import Reservation
from cpaas.gateway.metrics import SUBMITS
from cpaas.platform.api_errors import ApiError, validation_error
from cpaas.platform.logs import set_log_context
from cpaas.platform.metrics import HTTP_REQUESTS

log = logging.getLogger(__name__)
MAX_BODY_BYTES = 64 * 1024
SUBMIT_PATH = "/api/v1/messages/submit"
MAX_IDEMPOTENCY_KEY_LENGTH = 255
JSON = "application/json"


class SubmitHandler:
    """Returns (status, JSON body, extra headers); refusals come back as their error body."""

    def __init__(self, state: object) -> None:
        self.state = state

    async def handle(self, headers: Mapping[str, str], ip: str | None, raw: bytes) -> tuple[int, str, dict | None]:
        """A submit authenticated by its X-API-Key (and the account's IP allow-list)."""
        try:
            caller = await authenticate_key(self.state, headers.get(API_KEY_HEADER.lower()), ip)
            return await self._submit(caller, headers.get("idempotency-key"), raw)
        except ApiError as error:
            return _refusal(error)

    async def handle_for_account(
        self, account_id: int, idempotency_key: str | None, raw: bytes
    ) -> tuple[int, str, dict | None]:
        """A submit on behalf of an account, from a trusted service (the console's Quick
        Message): every rule of the public path applies except the API key and IP allow-list."""
        try:
            access = await self.state.control_plane.access_for_account(account_id)
            if access is None:
                raise ApiError(ErrorCode.NOT_FOUND, f"no account {account_id}")
            if not access.active:
                raise ApiError(ErrorCode.FORBIDDEN, "this account is suspended")
            set_log_context(account_id=account_id)
            return await self._submit(Caller(account_id, access), idempotency_key, raw)
        except ApiError as error:
            return _refusal(error)

    async def _submit(self, caller: Caller, idempotency_key: str | None, raw: bytes) -> tuple[int, str, dict | None]:
        state = self.state
        state.rate_limiter.take(caller.account_id, caller.access.submit_rate_per_second)
        body = parse(raw)
        if idempotency_key is not None and not 0 < len(idempotency_key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
            raise ApiError(
                ErrorCode.VALIDATION_ERROR,
                f"Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} characters",
                field="Idempotency-Key",
            )
        recipient = rules.normalize_recipient(body.recipient)
        control = state.control_plane
        variables = normalize_variables(body.variables)
        senders = await control.approved_sender_ids(caller.account_id)
        templates = []
        for level in rules.levels_of(body):  # sequential: cache hits do not suspend, a gather would add tasks
            template = await control.template(caller.account_id, level.template_id)
            rules.check_level(level, template, senders, state.enabled_channels, variables)
            templates.append(template)
        rules.check_not_blacklisted(recipient, await control.blacklist(caller.account_id))
        if state.settings.credit_check:
            await state.balances.check(caller.account_id)

        message_id = new_message_id()
        set_log_context(message_id=message_id)
        # the SubmitResponse shape (documented in OpenAPI), serialized without a model on the hot path
        response = orjson.dumps(
            {
                "messageId": message_id,
                "status": MessageStatus.SUBMITTED.value,
                "channel": body.channel.value,
                "recipient": recipient,
            }
        ).decode()
        if idempotency_key is not None:
            replay = await self._reserve(caller.account_id, idempotency_key, body, message_id, response)
            if replay is not None:
                SUBMITS.labels(body.channel, "replayed").inc()
                return 202, replay, {"Idempotent-Replayed": "true"}
        event = rules.build_event(
            body,
            message_id=message_id,
            account_id=caller.account_id,
            recipient=recipient,
            primary=templates[0],
            now=datetime.now(UTC),
        )
        try:
            await state.publisher.publish(SUBMIT_TOPICS[body.channel].name, event, subject=message_id)
        except Exception as exc:
            log.exception("could not queue the message; answering 503")
            if idempotency_key is not None:
                await state.idempotency.release(caller.account_id, idempotency_key)
            raise ApiError(
                ErrorCode.SERVICE_UNAVAILABLE, "the message could not be queued; nothing was sent, retry later"
            ) from exc
        SUBMITS.labels(body.channel, "accepted").inc()
        return 202, response, None

    async def _reserve(
        self, account_id: int, key: str, body: SubmitRequest, message_id: str, response: str
    ) -> str | None:
        """None when this request owns the key; else the first answer to replay (or a 409)."""
        request_hash = hashlib.sha256(body.model_dump_json().encode()).digest()
        outcome = await self.state.idempotency.reserve(Reservation(account_id, key, request_hash, message_id, response))
        if outcome.reserved:
            return None
        if outcome.response is None:
            raise ApiError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "a request with this Idempotency-Key is in progress",
                field="Idempotency-Key",
            )
        if outcome.request_hash != request_hash:
            raise ApiError(
                ErrorCode.IDEMPOTENCY_CONFLICT,
                "this Idempotency-Key was already used with a different request",
                field="Idempotency-Key",
            )
        return outcome.response


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


async def serve_submit(handler: SubmitHandler, scope, receive, send) -> None:
    """`POST /api/v1/messages/submit` as raw ASGI: the gateway app calls this before its
    middleware stack, which cost about half of this route's CPU (see GatewayApp)."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY_BYTES:
            chunks.append(chunk)
        more = message.get("more_body", False)
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
    ip = _ip(scope, headers, handler.state.settings.trust_forwarded_for)
    raw = b"".join(chunks) if size <= MAX_BODY_BYTES else b"x" * (MAX_BODY_BYTES + 1)
    status, body, extra = await handler.handle(headers, ip, raw)
    payload = body.encode()
    response_headers = [(b"content-type", JSON.encode()), (b"content-length", str(len(payload)).encode())]
    response_headers += [(k.lower().encode(), v.encode()) for k, v in (extra or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": payload})
    HTTP_REQUESTS.labels("POST", SUBMIT_PATH, str(status)).inc()


def _ip(scope, headers: Mapping[str, str], trust_forwarded_for: bool) -> str | None:
    if trust_forwarded_for and headers.get("x-forwarded-for"):
        return headers["x-forwarded-for"].split(",")[0].strip()
    client = scope.get("client")
    return client[0] if client else None
