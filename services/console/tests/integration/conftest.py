"""The console app in-process (lifespan running) over the real PostgreSQL and Kafka, with
the seeded demo account; `login` returns a client carrying its session and CSRF token."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from cpaas.console.app import build_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings


@dataclass
class Console:
    app: object
    creds: dict
    billing_requests: list
    clients: list

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


def fake_billing(requests: list) -> httpx.AsyncClient:
    """Billing's internal API as the console sees it: balance, transactions, adjustments."""

    def handle(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        path = request.url.path
        if path.endswith("/balance"):
            return httpx.Response(200, json={"accountId": 2, "balanceMinor": 123456, "currency": "INR"})
        if path.endswith("/transactions"):
            return httpx.Response(200, json={"items": [], "page": 1, "pageSize": 20, "total": 0})
        if path.endswith("/adjustments"):
            return httpx.Response(201, json={"id": 1, "kind": "CREDIT", "amountMinor": 5000})
        return httpx.Response(404, json={"error": {"code": "NOT_FOUND"}})

    return httpx.AsyncClient(transport=httpx.MockTransport(handle), base_url="http://billing.test")


@pytest.fixture
async def console(kafka_settings, pg_settings, tmp_path: Path) -> AsyncIterator[Console]:
    creds = await seed(pg_settings, tmp_path / "creds.json")
    requests: list = []
    http = fake_billing(requests)
    app = build_app(ConsoleSettings(kafka=kafka_settings, postgres=pg_settings), http=http)
    async with app.router.lifespan_context(app):
        console = Console(app, creds, requests, [])
        yield console
        for client in console.clients:
            await client.aclose()
    await http.aclose()
