"""A running gateway over the real Kafka and PostgreSQL, with the console's demo data."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from cpaas.console.seed import seed
from cpaas.gateway.app import build_app
from cpaas.gateway.settings import GatewaySettings
from cpaas.platform.settings import KafkaSettings, PostgresSettings


@dataclass
class Gateway:
    app: FastAPI
    client: httpx.AsyncClient
    creds: dict
    settings: GatewaySettings

    def headers(self, **extra: str) -> dict[str, str]:
        return {"X-API-Key": self.creds["apiKey"], **extra}

    def sms(self, **overrides: object) -> dict:
        return {
            "recipient": "+919876543210",
            "channel": "SMS",
            "templateId": self.creds["templates"]["SMS"],
            "senderId": self.creds["senderId"],
            "variables": ["482913", "10"],
            **overrides,
        }


@pytest.fixture
async def gateway(
    kafka_settings: KafkaSettings, pg_settings: PostgresSettings, tmp_path: Path
) -> AsyncIterator[Gateway]:
    creds = await seed(pg_settings, tmp_path / "creds.json")
    settings = GatewaySettings(kafka=kafka_settings, postgres=pg_settings)
    app = build_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 40000))
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield Gateway(app, client, creds, settings)
