"""The voice API in-process, its callbacks captured by a receiver app (also in-process)."""

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

from cpaas.sandbox.voice import VoiceSandboxSettings, build_voice_app

ACCOUNT_SID, AUTH_TOKEN = "ACsandbox", "local-dev-voice-token"
CALLBACK_URL = "http://receiver.test/webhooks/voice/status?messageId=m1&attempt=1"
DELAY_SECONDS = 0.02
WAIT_SECONDS = 5


@dataclass
class Callback:
    url: str
    headers: httpx.Headers
    params: list[tuple[str, str]]

    @property
    def form(self) -> dict[str, str]:
        return dict(self.params)


@dataclass
class Receiver:
    """Records every status callback; answers with `answers` in turn (then 204)."""

    callbacks: list[Callback] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/voice/status")
        async def status(request: Request) -> Response:
            body = (await request.body()).decode()
            self.callbacks.append(Callback(str(request.url), httpx.Headers(request.headers), parse_qsl(body)))
            return Response(status_code=self.answers.pop(0) if self.answers else 204)

        return app

    def of(self, call_sid: str) -> list[Callback]:
        return [c for c in self.callbacks if c.form["CallSid"] == call_sid]

    async def wait_for(self, call_sid: str, status: str) -> Callback:
        async with asyncio.timeout(WAIT_SECONDS):
            while True:
                for callback in self.of(call_sid):
                    if callback.form["CallStatus"] == status:
                        return callback
                await asyncio.sleep(0.01)


@dataclass
class Voice:
    app: FastAPI
    http: httpx.AsyncClient

    async def create(
        self, to: str, *, auth: tuple[str, str] = (ACCOUNT_SID, AUTH_TOKEN), **extra: object
    ) -> httpx.Response:
        form: dict[str, object] = {
            "To": to,
            "From": "+919000000002",
            "Twiml": '<Response><Say voice="female" language="en-IN" loop="2">Your code is 4 8 2</Say></Response>',
            "StatusCallback": CALLBACK_URL,
            "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"],
        }
        form.update(extra)
        form = {k: v for k, v in form.items() if v is not None}
        return await self.http.post(f"/2010-04-01/Accounts/{auth[0]}/Calls.json", data=form, auth=auth)  # type: ignore[arg-type]


@pytest.fixture
def receiver() -> Receiver:
    return Receiver()


@pytest.fixture
async def voice(receiver: Receiver) -> AsyncIterator[Voice]:
    settings = VoiceSandboxSettings(call_progress_delay_seconds=DELAY_SECONDS, callback_retry_seconds=0.01)
    callbacks = httpx.AsyncClient(transport=httpx.ASGITransport(app=receiver.app()))
    app = build_voice_app(settings, http=callbacks)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://voice.test") as http:
            yield Voice(app, http)
    await callbacks.aclose()


@asynccontextmanager
async def running_voice(settings: VoiceSandboxSettings, callbacks: httpx.AsyncBaseTransport) -> AsyncIterator[Voice]:
    """The voice API with `settings`, its callbacks sent through `callbacks`."""
    async with httpx.AsyncClient(transport=callbacks) as callback_http:
        app = build_voice_app(settings, http=callback_http)
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://voice.test") as http,
        ):
            yield Voice(app, http)


@pytest.fixture
def voice_with() -> Callable[[VoiceSandboxSettings, httpx.AsyncBaseTransport], AbstractAsyncContextManager[Voice]]:
    """`async with voice_with(settings, callback_transport) as voice:` a voice API set up so."""
    return running_voice
