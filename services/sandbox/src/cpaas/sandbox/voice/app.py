"""The programmable-voice API imitation: Twilio's Calls REST shape and its signed,
form-encoded status callbacks.

- `POST /2010-04-01/Accounts/{AccountSid}/Calls.json` (HTTP Basic: account SID, auth
  token; form: To, From, Twiml, StatusCallback, StatusCallbackEvent...) -> 201 the call
  resource with status "queued"; refusals in Twilio's error shape (see errors.py).
- `GET /2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}.json` -> the call resource.
- `GET /sandbox/voice/calls?to=&limit=` (no auth) -> the calls created, for tests and demos.
- `/healthz`, `/readyz`, `/metrics`.

What happens after creation is decided by the recipient's last three digits (calls.py).
"""

import base64
import binascii
import hmac
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

import httpx
from fastapi import FastAPI, Query, Request
from pydantic import BaseModel
from starlette.responses import JSONResponse

from cpaas.platform.ops import HealthState, mount_ops
from cpaas.sandbox.voice import errors
from cpaas.sandbox.voice.calls import (
    CALLBACK_EVENTS,
    DEFAULT_CALLBACK_EVENTS,
    Call,
    CallBook,
    new_call_sid,
    plan_for,
)
from cpaas.sandbox.voice.errors import VoiceApiError
from cpaas.sandbox.voice.metrics import VOICE_CALLS
from cpaas.sandbox.voice.progress import CallProgress
from cpaas.sandbox.voice.settings import VoiceSandboxSettings
from cpaas.sandbox.voice.twiml import TwimlError, parse_twiml

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


class CallList(BaseModel):
    calls: list[Call]


def build_voice_app(settings: VoiceSandboxSettings, *, http: httpx.AsyncClient | None = None) -> FastAPI:
    """The voice API app. Its lifespan opens the callback HTTP client (unless `http` is
    given) and, on exit, cancels the progress of calls still under way."""
    health = HealthState()
    book = CallBook(settings.calls_kept)
    holder: dict[str, CallProgress] = {}

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        client = http or httpx.AsyncClient()
        holder["progress"] = CallProgress(settings, client)
        health.started = True
        try:
            yield
        finally:
            health.draining = True
            await holder["progress"].stop()
            if http is None:
                await client.aclose()

    app = FastAPI(title="CPaaS sandbox: programmable voice", lifespan=lifespan)
    app.state.calls = book
    mount_ops(app, health)

    @app.exception_handler(VoiceApiError)
    async def _refusal(_: Request, exc: VoiceApiError) -> JSONResponse:
        return exc.response()

    @app.post("/2010-04-01/Accounts/{account_sid}/Calls.json", status_code=201)
    async def create_call(account_sid: str, request: Request) -> JSONResponse:
        _authenticate(request, account_sid, settings)
        form = await _form(request)
        call = _new_call(account_sid, form)
        steps = plan_for(call.to)
        if steps is None:
            VOICE_CALLS.labels("refused").inc()
            raise VoiceApiError(errors.CALL_REFUSED, f"Call to {call.to} refused: the number cannot be called")
        book.add(call)
        holder["progress"].start(call, steps)
        VOICE_CALLS.labels("created").inc()
        return JSONResponse(call.resource(), status_code=201)

    @app.get("/2010-04-01/Accounts/{account_sid}/Calls/{call_sid}.json")
    async def fetch_call(account_sid: str, call_sid: str, request: Request) -> JSONResponse:
        _authenticate(request, account_sid, settings)
        call = book.get(call_sid)
        if call is None or call.account_sid != account_sid:
            raise VoiceApiError(
                errors.NOT_FOUND, f"The requested resource {request.url.path} was not found", status=404
            )
        return JSONResponse(call.resource())

    @app.get("/sandbox/voice/calls", response_model=CallList, tags=["sandbox"])
    async def list_calls(
        to: str | None = Query(None, description="E.164 with or without '+'; every call when omitted"),
        limit: int | None = Query(None, ge=1, le=10_000, description="only the newest this many"),
    ) -> CallList:
        """Calls created, oldest first, with what was said and every callback sent."""
        return CallList(calls=book.find(to, limit))

    return app


def _authenticate(request: Request, account_sid: str, settings: VoiceSandboxSettings) -> None:
    """HTTP Basic with the account SID and auth token; the path must name that account."""
    user, password = "", ""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            user, password = "", ""
    valid = hmac.compare_digest(user.encode(), settings.account_sid.encode()) & hmac.compare_digest(
        password.encode(), settings.auth_token.encode()
    )
    if not valid or account_sid != settings.account_sid:
        raise VoiceApiError(errors.AUTHENTICATE, "Authenticate", status=401)


async def _form(request: Request) -> list[tuple[str, str]]:
    """The form-encoded body (parsed here: python-multipart is not needed for urlencoded forms)."""
    return parse_qsl((await request.body()).decode(errors="replace"), keep_blank_values=True)


def _new_call(account_sid: str, form: list[tuple[str, str]]) -> Call:
    """Validate a create-call form in Twilio's order of checks; raises VoiceApiError."""
    fields = dict(form)
    to, from_ = fields.get("To", "").strip(), fields.get("From", "").strip()
    if not to:
        raise VoiceApiError(errors.TO_MISSING, "No 'To' number is specified")
    if not E164.match(to):
        raise VoiceApiError(errors.TO_INVALID, f"Invalid 'To' Phone Number: {to}")
    if not from_:
        raise VoiceApiError(errors.FROM_MISSING, "A 'From' phone number is required.")
    if not E164.match(from_):
        raise VoiceApiError(errors.FROM_INVALID, f"Invalid 'From' Phone Number: {from_}")
    twiml = fields.get("Twiml")
    if not twiml:
        raise VoiceApiError(errors.TWIML_MISSING, "Twiml is required (this sandbox never fetches a Url)")
    try:
        say = parse_twiml(twiml)
    except TwimlError as exc:
        raise VoiceApiError(errors.TWIML_INVALID, f"Document parse failure: {exc}") from exc
    return Call(
        sid=new_call_sid(),
        account_sid=account_sid,
        to=to,
        from_=from_,
        twiml=twiml,
        say=say,
        status_callback=_status_callback(fields.get("StatusCallback")),
        status_callback_events=sorted(_callback_events(form)),
        date_created=datetime.now(UTC),
    )


def _status_callback(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise VoiceApiError(errors.STATUS_CALLBACK_INVALID, f"Invalid StatusCallback url: {url}")
    return url


def _callback_events(form: list[tuple[str, str]]) -> set[str]:
    """StatusCallbackEvent may repeat, or list several events separated by spaces."""
    events = {e for name, value in form if name == "StatusCallbackEvent" for e in value.split()}
    unknown = events - CALLBACK_EVENTS
    if unknown:
        raise VoiceApiError(errors.STATUS_CALLBACK_EVENT_INVALID, f"Invalid StatusCallbackEvent: {sorted(unknown)}")
    # the completed callback is always sent when a StatusCallback is given
    return (events or set(DEFAULT_CALLBACK_EVENTS)) | DEFAULT_CALLBACK_EVENTS
