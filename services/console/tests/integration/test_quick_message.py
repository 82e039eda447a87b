"""Quick Message: a console send goes through the real gateway (its internal submit on
the user's account) and lands on the channel's submit topic; the gateway's refusals come
back to the user in the gateway's own words."""

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from cpaas.billing.app import build_app as build_billing
from cpaas.billing.settings import BillingSettings
from cpaas.console.app import build_app
from cpaas.console.settings import ConsoleSettings
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.gateway.app import build_app as build_gateway
from cpaas.gateway.settings import GatewaySettings

from .conftest import BILLING_URL, GATEWAY_URL, Console, seed, service_client


@pytest.fixture
async def platform(kafka_settings, pg_settings, tmp_path: Path) -> AsyncIterator[Console]:
    creds = await seed(pg_settings, tmp_path / "creds.json")
    common = {"kafka": kafka_settings, "postgres": pg_settings}
    billing = build_billing(BillingSettings(**common))
    async with billing.router.lifespan_context(billing):
        billing_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=billing), base_url=BILLING_URL)
        # balances come from billing's schema, which billing's lifespan has just migrated
        await billing_http.post(
            f"/api/v1/billing/accounts/{creds['accountId']}/adjustments",
            json={"amountMinor": 100_000, "reason": "test opening balance"},
            headers={"X-Service-Token": "local-dev-service-token"},
        )
        gateway = build_gateway(GatewaySettings(**common))
        async with gateway.router.lifespan_context(gateway):
            gateway_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=gateway), base_url=GATEWAY_URL)
            http = service_client(billing=billing, gateway=gateway)
            settings = ConsoleSettings(**common, billing_url=BILLING_URL, gateway_url=GATEWAY_URL)
            app = build_app(settings, http=http)
            async with app.router.lifespan_context(app):
                console = Console(app, creds, billing_http, [], gateway_http)
                yield console
                for client in console.clients:
                    await client.aclose()
            await http.aclose()
            await gateway_http.aclose()
        await billing_http.aclose()


async def queued(kafka_settings, channel: str, wait: float = 3.0) -> list[dict]:
    consumer = AIOKafkaConsumer(
        kafka_settings.topic(SUBMIT_TOPICS[channel].name),
        bootstrap_servers=kafka_settings.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list[dict] = []
    try:
        deadline = asyncio.get_running_loop().time() + wait
        while asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            records += [json.loads(r.value) for rs in batch.values() for r in rs]
    finally:
        await consumer.stop()
    return records


def sms(creds: dict, **overrides: object) -> dict:
    return {
        "recipient": "+919876543210",
        "channel": "SMS",
        "templateId": creds["templates"]["SMS"],
        "senderId": creds["senderId"],
        "variables": ["482913", "10"],
        **overrides,
    }


async def test_a_quick_message_is_queued_for_the_users_account_once_per_click(platform, kafka_settings) -> None:
    client = await platform.user()
    headers = {"Idempotency-Key": "click-1"}
    first = await client.post("/api/messages", json=sms(platform.creds), headers=headers)
    assert first.status_code == 202, first.text
    answer = first.json()
    assert answer["messageId"].startswith("msg_") and answer["status"] == "SUBMITTED"
    assert answer["recipient"] == "+919876543210" and answer["channel"] == "SMS"
    again = await client.post("/api/messages", json=sms(platform.creds), headers=headers)
    assert again.json()["messageId"] == answer["messageId"]

    events = await queued(kafka_settings, "SMS")
    assert len(events) == 1
    data = events[0]["data"]
    assert data["messageId"] == answer["messageId"]
    assert data["accountId"] == platform.creds["accountId"]


async def test_refusals_come_back_in_the_gateways_words_and_send_nothing(platform, kafka_settings) -> None:
    client = await platform.user()
    assert (await client.post("/api/blacklist", json={"recipient": "+919811111111"})).status_code == 201

    blocked = await client.post("/api/messages", json=sms(platform.creds, recipient="+919811111111"))
    assert blocked.status_code == 422, blocked.text
    assert blocked.json()["error"]["code"] == "RECIPIENT_BLACKLISTED"
    assert "blacklist" in blocked.json()["error"]["message"].lower()

    bad_number = await client.post("/api/messages", json=sms(platform.creds, recipient="12345"))
    assert bad_number.status_code == 422
    assert bad_number.json()["error"]["field"] == "recipient"

    unknown_template = await client.post("/api/messages", json=sms(platform.creds, templateId=999_999))
    assert unknown_template.status_code == 404
    assert unknown_template.json()["error"]["code"] == "TEMPLATE_NOT_FOUND"

    wrong_sender = await client.post("/api/messages", json=sms(platform.creds, senderId="NOTMINE"))
    assert wrong_sender.status_code == 422
    assert wrong_sender.json()["error"]["field"] == "senderId"

    no_csrf = platform.client()
    await no_csrf.post("/api/auth/login", json=platform.creds["user"])
    assert (await no_csrf.post("/api/messages", json=sms(platform.creds))).status_code == 403
    assert (await platform.client().post("/api/messages", json=sms(platform.creds))).status_code == 401

    assert await queued(kafka_settings, "SMS", wait=1.5) == []


async def test_the_gateways_internal_submit_needs_the_service_token(platform) -> None:
    path = f"/internal/v1/accounts/{platform.creds['accountId']}/messages/submit"
    refused = await platform.gateway.post(path, json=sms(platform.creds))
    assert refused.status_code == 401
    wrong = await platform.gateway.post(path, json=sms(platform.creds), headers={"X-Service-Token": "x" * 24})
    assert wrong.status_code == 401
    ok = await platform.gateway.post(
        path, json=sms(platform.creds), headers={"X-Service-Token": "local-dev-service-token"}
    )
    assert ok.status_code == 202, ok.text
    unknown = await platform.gateway.post(
        "/internal/v1/accounts/999999/messages/submit",
        json=sms(platform.creds),
        headers={"X-Service-Token": "local-dev-service-token"},
    )
    assert unknown.status_code == 404


async def test_each_fallback_level_is_sent_with_its_own_variables_or_refused_naming_it(
    platform, kafka_settings
) -> None:
    """Issue 20, point 1: the console's send reaches the gateway with each level's variables."""
    client = await platform.user()
    level = {"channel": "WHATSAPP", "templateId": platform.creds["templates"]["WHATSAPP"]}
    missing = await client.post("/api/messages", json=sms(platform.creds, fallback=[level]))
    assert missing.status_code == 422, missing.text
    assert missing.json()["error"]["code"] == "MISSING_VARIABLES"
    assert missing.json()["error"]["field"] == "fallback[0].variables"
    assert await queued(kafka_settings, "SMS", wait=1.0) == []
    given = sms(platform.creds, fallback=[{**level, "variables": ["Asha", "A-1042"]}])
    sent = await client.post("/api/messages", json=given)
    assert sent.status_code == 202, sent.text
    [event] = await queued(kafka_settings, "SMS")
    assert event["data"]["variables"] == {"1": "482913", "2": "10"}
    assert [f["variables"] for f in event["data"]["fallback"]] == [{"1": "Asha", "2": "A-1042"}]
