"""The WhatsApp imitation in-process, and a webhook receiver served over real HTTP."""

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from cpaas.sandbox.whatsapp import WhatsAppSandboxSettings, bind_socket, build_whatsapp_app, serving

TOKEN = "local-dev-wa-token"
APP_SECRET = "local-dev-wa-app-secret"
PHONE_NUMBER_ID, WABA_ID = "106540352242922", "102290129340398"
WAIT_SECONDS = 5


@dataclass
class Receiver:
    """Collects the webhooks POSTed to it: (headers, raw body) in arrival order."""

    url: str = ""
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    answer_status: int = 200
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/whatsapp")
        async def webhook(request: Request) -> Response:
            self.received.append((dict(request.headers), await request.body()))
            self._arrived.set()
            return Response(status_code=self.answer_status)

        return app

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.received]

    def statuses(self, wamid: str) -> list[dict[str, Any]]:
        return [
            status
            for payload in self.payloads()
            for entry in payload["entry"]
            for change in entry["changes"]
            if change["field"] == "messages"
            for status in change["value"].get("statuses", [])
            if status["id"] == wamid
        ]

    async def wait_until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(WAIT_SECONDS):
            while not condition():
                self._arrived.clear()
                await self._arrived.wait()


@asynccontextmanager
async def receiving(port: int = 0) -> AsyncIterator[Receiver]:
    receiver = Receiver()
    sock = bind_socket("127.0.0.1", port)
    receiver.url = f"http://127.0.0.1:{sock.getsockname()[1]}/webhooks/whatsapp"
    async with serving(receiver.app(), sock):
        yield receiver


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with receiving() as r:
        yield r


def sandbox_settings(webhook_url: str, **overrides: Any) -> WhatsAppSandboxSettings:
    values: dict[str, Any] = {
        "webhook_url": webhook_url,
        "status_delay_seconds": 0.02,
        "template_review_delay_seconds": 0.05,
        **overrides,
    }
    return WhatsAppSandboxSettings(**values)


@asynccontextmanager
async def running_sandbox(settings: WhatsAppSandboxSettings) -> AsyncIterator[httpx.AsyncClient]:
    """The imitation's lifespan running; a client talking to it in-process (ASGI)."""
    app = build_whatsapp_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://graph.sandbox") as client:
            yield client


@pytest.fixture
async def graph(receiver: Receiver) -> AsyncIterator[httpx.AsyncClient]:
    async with running_sandbox(sandbox_settings(receiver.url)) as client:
        yield client


@pytest.fixture
def sandbox_with() -> Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]:
    """`async with sandbox_with(webhook_url, **settings) as graph:` a sandbox set up so."""
    return lambda url, **overrides: running_sandbox(sandbox_settings(url, **overrides))


def template_send(to: str, **extra: Any) -> dict[str, Any]:
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": "order_update",
            "language": {"code": "en"},
            "components": [
                {
                    "type": "header",
                    "parameters": [{"type": "image", "image": {"link": "https://example.com/box.png"}}],
                },
                {"type": "body", "parameters": [{"type": "text", "text": "Asha"}, {"type": "text", "text": "A-1042"}]},
            ],
        },
        **extra,
    }


def auth(token: str = TOKEN) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
