"""The console app in-process (lifespan running) over the real PostgreSQL and Kafka, with
the seeded demo account and the real billing service behind it; `login` returns a client
carrying its session and CSRF token.

The console reaches the platform's internal APIs with one HTTP client: here it routes
http://billing.test to the billing app in-process; the gateway is at an address where
nothing listens (a test that needs it runs one: test_quick_message.py)."""

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from cpaas.billing.app import build_app as build_billing
from cpaas.billing.settings import BillingSettings
from cpaas.console.app import build_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings
from cpaas.sandbox.rbm import RbmSandboxSettings, build_rbm_app
from cpaas.sandbox.whatsapp import WhatsAppSandboxSettings, build_whatsapp_app


@dataclass
class Console:
    app: object
    creds: dict
    billing: httpx.AsyncClient  # the billing service's own API (with no service token)
    clients: list
    gateway: httpx.AsyncClient | None = None  # the gateway's API, where a test runs one
    providers: dict = field(default_factory=dict)  # the sandbox's "whatsapp" and "rbm" apps

    def client(self) -> httpx.AsyncClient:
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://console.test")
        self.clients.append(client)
        return client

    async def login(self, username: str, password: str) -> httpx.AsyncClient:
        client = self.client()
        response = await client.post("/api/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        client.headers["X-CSRF-Token"] = response.json()["csrfToken"]
        return client

    async def user(self) -> httpx.AsyncClient:
        return await self.login(self.creds["user"]["username"], self.creds["user"]["password"])

    async def admin(self) -> httpx.AsyncClient:
        return await self.login(self.creds["admin"]["username"], self.creds["admin"]["password"])


BILLING_URL, GATEWAY_URL = "http://billing.test", "http://gateway.test"


def refused_port() -> int:
    """A local port nothing listens on (bound once, then let go)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def service_client(**apps) -> httpx.AsyncClient:
    """One client that sends http://<name>.test to the app of that name, in-process."""
    mounts = {f"http://{name}.test": httpx.ASGITransport(app=app) for name, app in apps.items()}
    return httpx.AsyncClient(mounts=mounts)


@pytest.fixture
async def console(kafka_settings, pg_settings, tmp_path: Path) -> AsyncIterator[Console]:
    creds = await seed(pg_settings, tmp_path / "creds.json")
    # the real billing service (its own app, schema and API) behind the console, and the
    # sandbox's WhatsApp Cloud API and RBM platform, where linked numbers and bots register
    billing = build_billing(BillingSettings(kafka=kafka_settings, postgres=pg_settings))
    whatsapp = build_whatsapp_app(WhatsAppSandboxSettings(webhook_url=f"http://127.0.0.1:{refused_port()}/wa"))
    rbm = build_rbm_app(
        RbmSandboxSettings(webhook_url=f"http://127.0.0.1:{refused_port()}/rbm", review_delay_seconds=0.05)
    )
    async with (
        billing.router.lifespan_context(billing),
        whatsapp.router.lifespan_context(whatsapp),
        rbm.router.lifespan_context(rbm),
    ):
        billing_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=billing), base_url=BILLING_URL)
        http = service_client(billing=billing, whatsapp=whatsapp, rbm=rbm)
        settings = ConsoleSettings(
            kafka=kafka_settings,
            postgres=pg_settings,
            billing_url=BILLING_URL,
            whatsapp_api_url="http://whatsapp.test",
            rbm_api_url="http://rbm.test",
            gateway_url=f"http://127.0.0.1:{refused_port()}",
            ai_url=f"http://127.0.0.1:{refused_port()}",  # no ai service: templates are saved unchecked (test_ai.py runs one)
        )
        app = build_app(settings, http=http)
        async with app.router.lifespan_context(app):
            console = Console(app, creds, billing_http, [], providers={"whatsapp": whatsapp, "rbm": rbm})
            yield console
            for client in console.clients:
                await client.aclose()
        await http.aclose()
        await billing_http.aclose()
