"""A tenant onboarded as an ops team would do it, through HTTP only (issue 19 point 2): no
SQL, no seed helper, nothing of the seeded demo account.

The admin creates an account and its user and credits it; the user logs in, sets a webhook
URL (a receiver in this test), requests a sender ID and an RCS bot; the admin approves the
sender ID, activates (launches) the bot and links a WhatsApp number; the user creates SMS,
WhatsApp, RCS and voice templates, the admin approves the WhatsApp and RCS ones and the
providers (the sandbox's Meta and RBM) approve them too; the user rotates the API key and
the webhook secret, then sends on all four channels through the gateway's public API with
the new key. Every message ends DELIVERED, and every receipt arrives signed with this
account's secret: verified with the secret shown to the user, by the README's own verifier
(and, during the rotation's grace period, with the secret shown at the account's creation).
"""

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from cpaas.platform.serve import bind_socket, serving

from .conftest import Platform

WAIT_SECONDS = 40
README = Path(__file__).parents[2] / "services" / "webhooks" / "README.md"
RECIPIENTS = {"SMS": "+919811200111", "WHATSAPP": "+919811200112", "RCS": "+919811200113", "VOICE": "+919811200114"}


def readme_verifier():
    """`verify_webhook` exactly as the webhooks README gives it to customers."""
    section = README.read_text().split("## Verifying a receipt", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    namespace: dict = {}
    exec(compile(snippet.group(1), str(README), "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify_webhook"]


class Receiver:
    """The customer's webhook endpoint: keeps every POST (headers and raw body), answers 200."""

    def __init__(self) -> None:
        self.received: list[tuple[httpx.Headers, bytes]] = []

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = httpx.Headers(
            [(k.decode(), v.decode()) for k, v in scope["headers"]]
        )  # case-insensitive, as a framework's
        self.received.append((headers, body))
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": b"ok"})

    def receipts(self) -> list[tuple[dict, httpx.Headers, bytes]]:
        return [(json.loads(body), headers, body) for headers, body in self.received]


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    app = Receiver()
    async with serving(app, bind_socket()) as port:
        yield app, f"http://127.0.0.1:{port}/receipts"


async def logged_in(url: str, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=15)
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrfToken"]
    return client


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else {}


async def eventually(what: str, attempt, seconds: float = WAIT_SECONDS):
    """`await attempt()` until it answers something truthy."""
    async with asyncio.timeout(seconds):
        while not (result := await attempt()):
            await asyncio.sleep(0.2)
    assert result, what
    return result


async def test_an_account_onboarded_through_the_api_sends_on_every_channel_with_signed_receipts(
    platform: Platform, receiver: tuple[Receiver, str]
) -> None:
    hook, hook_url = receiver
    console_url = platform.urls["console"]
    admin = await logged_in(console_url, platform.creds["admin"]["username"], platform.creds["admin"]["password"])

    # the admin: an account and its first user, and money on it
    created = ok(
        await admin.post("/api/admin/users", json={"username": "onboard_ops", "accountName": "Onboarded Ltd"}), 201
    )
    account_id, first_secret = created["accountId"], created["webhookSecret"]
    assert created["apiKey"] and first_secret.startswith("whsec_")
    credit = {"amountMinor": 50_000, "reason": "opening balance"}
    ok(await admin.post(f"/api/admin/accounts/{account_id}/balance-adjustments", json=credit), 201)

    # the user: webhook URL, a sender ID, an RCS bot
    user = await logged_in(console_url, "onboard_ops", created["password"])
    settings = ok(await user.put("/api/settings/webhook", json={"url": hook_url}))
    assert settings["webhookUrl"] == hook_url and first_secret not in json.dumps(settings)  # masked
    sender = ok(await user.post("/api/sender-ids", json={"senderId": "ONBRDX", "peId": "1101000000000777"}), 201)
    bot = ok(await user.post("/api/channels/rcs", json={"displayName": "Onboarded", "handle": "onboarded-bot"}), 201)
    assert bot["status"] == "PENDING" and bot["botId"].startswith("onboarded_bot_")  # the agent id RBM gave it

    # the admin: approves the sender ID, activates (launches) the bot once RBM verified it, links a number
    ok(await admin.post(f"/api/admin/approvals/sender-ids/{sender['id']}", json={"decision": "APPROVE"}), 204)

    async def launched() -> bool:
        response = await admin.post(f"/api/admin/approvals/rcs-bots/{bot['id']}", json={"decision": "APPROVE"})
        assert response.status_code in (204, 422), response.text  # 422: RBM has not verified the agent yet
        return response.status_code == 204

    await eventually("the bot was never launched", launched)
    number = ok(
        await admin.post(
            f"/api/admin/accounts/{account_id}/whatsapp-numbers",
            json={
                "phoneNumber": "+919000077701",
                "displayName": "Onboarded",
                "wabaId": "401122334455667",
                "phoneNumberId": "502233445566778",
                "accessToken": "local-dev-wa-token",  # a token the sandbox's Graph API accepts
            },
        ),
        201,
    )
    channels = ok(await user.get("/api/channels/whatsapp"))
    assert [(n["phoneNumber"], n["status"]) for n in channels] == [("+919000077701", "ACTIVE")]
    assert [b["status"] for b in ok(await user.get("/api/channels/rcs"))] == ["ACTIVE"]

    # the user's templates; the admin approves the reviewed ones, then the providers do
    specs = {
        "SMS": {
            "name": "onb_sms",
            "channel": "SMS",
            "body": "Your code is {#var#}. -ONBRD",
            "dltTemplateId": "1107161234567000777",
            "category": "Auth",
        },
        "WHATSAPP": {
            "name": "onb_whatsapp",
            "channel": "WHATSAPP",
            "category": "UTILITY",
            "body": "Hi {{1}}, your order {{2}} has shipped.",
            "wabaNumberId": number["id"],
        },
        "RCS": {
            "name": "onb_rcs",
            "channel": "RCS",
            "templateType": "TEXT",
            "body": "Welcome {{1}}, your account is ready.",
            "rcsBotId": bot["id"],
        },
        "VOICE": {
            "name": "onb_voice",
            "channel": "VOICE",
            "templateType": "TTS",
            "body": "Your ONBRD verification code is {{1}}. It is valid for 10 minutes.",
            "content": {"voice": "female", "language": "en-IN", "repeat": 1},
        },
    }
    templates = {channel: ok(await user.post("/api/templates", json=spec), 201) for channel, spec in specs.items()}
    for channel in ("WHATSAPP", "RCS"):
        tid = templates[channel]["id"]
        ok(await admin.post(f"/api/admin/approvals/templates/{tid}", json={"decision": "APPROVE"}), 204)
    for channel, template in templates.items():

        async def usable(template_id: int = template["id"]) -> dict | None:
            found = ok(await user.get(f"/api/templates/{template_id}"))
            assert found["status"] not in ("REJECTED", "FAILED"), found
            return found if found["usable"] else None

        await eventually(f"the {channel} template never became usable", usable)
    listing = ok(await user.get("/api/templates", params={"pageSize": 10}))["items"]
    identities = {t["channel"]: t["identity"] for t in listing}
    assert identities == {"SMS": "ONBRDX", "WHATSAPP": "+919000077701", "RCS": "Onboarded", "VOICE": "+919000000002"}

    # the user rotates the API key and the webhook secret (each shown once)
    new_key = ok(await user.post("/api/settings/api-key/rotate"))["apiKey"]
    rotated = ok(await user.post("/api/settings/webhook-secret/rotate"))
    secret = rotated["webhookSecret"]
    assert secret != first_secret and rotated["previousValidUntil"]

    # four sends through the gateway's public API, with the new key only
    old_key = {"X-API-Key": created["apiKey"]}
    refused = await platform.gateway.post("/api/v1/messages/submit", json={}, headers=old_key)
    assert refused.status_code == 401  # the rotated-out key stops at once
    key = {"X-API-Key": new_key}
    bodies = {
        "SMS": {"senderId": "ONBRDX", "variables": ["482913"]},
        "WHATSAPP": {"variables": ["Asha", "A-1042"]},
        "RCS": {"variables": ["Asha"]},
        "VOICE": {"variables": ["4 8 2 9"]},
    }
    sent = {}
    for channel, extra in bodies.items():
        submit = {"recipient": RECIPIENTS[channel], "channel": channel, "templateId": templates[channel]["id"], **extra}
        answer = await platform.gateway.post("/api/v1/messages/submit", json=submit, headers=key)
        assert answer.status_code == 202, f"{channel}: {answer.text}"
        sent[channel] = answer.json()["messageId"]

    for channel, message_id in sent.items():

        async def delivered(message_id: str = message_id) -> dict | None:
            response = await platform.gateway.get(f"/api/v1/messages/{message_id}", headers=key)
            message = response.json() if response.status_code == 200 else {}
            assert message.get("status") not in ("FAILED", "UNDELIVERED"), message
            return message if message.get("status") in ("DELIVERED", "READ") else None

        message = await eventually(f"the {channel} message was not delivered", delivered)
        assert message["channel"] == channel

    # every receipt, signed with this account's secret
    verify = readme_verifier()

    async def all_receipts() -> dict | None:
        found = {r["messageId"]: (r, h, b) for r, h, b in hook.receipts() if r.get("status") in ("DELIVERED", "READ")}
        return found if set(sent.values()) <= set(found) else None

    receipts = await eventually("a receipt did not arrive", all_receipts)
    for channel, message_id in sent.items():
        receipt, headers, body = receipts[message_id]
        assert (receipt["channel"], receipt["recipient"]) == (channel, RECIPIENTS[channel])
        assert verify(secret, headers, body), f"{channel}: not signed with the secret shown to the user"
        assert verify(first_secret, headers, body)  # the previous secret, still in its grace period
        assert not verify(platform.creds["webhookSecret"], headers, body)  # not the demo account's
        assert headers["x-cpaas-signature"].count("v1=") == 2
    for client in (admin, user):
        await client.aclose()
