"""Users' journeys through the public API with every service running: SMS, WhatsApp,
RCS and voice, fallback between them, prepaid charging and signed delivery receipts."""

import asyncio
import hashlib
import hmac
import json

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from cpaas.platform.serve import bind_socket, serving

from .test_campaigns_browser import logged_in, new_tenant


def final(status: str):
    return lambda m: m["status"] == status


def sms_body(platform, recipient: str) -> dict:
    return {
        "recipient": recipient,
        "channel": "SMS",
        "templateId": platform.creds["templates"]["SMS"],
        "senderId": platform.creds["senderId"],
        "variables": ["482913", "10"],
    }


def chain_body(platform, recipient: str) -> dict:
    """RCS, then WhatsApp, then SMS: the user guide's example."""
    t = platform.creds["templates"]
    return {
        "recipient": recipient,
        "channel": "RCS",
        "templateId": t["RCS"],
        "variables": ["Asha"],
        "fallback": [  # each level with its own template's variables
            {"channel": "WHATSAPP", "templateId": t["WHATSAPP"], "variables": ["Asha", "A-1042"]},
            {
                "channel": "SMS",
                "templateId": t["SMS"],
                "senderId": platform.creds["senderId"],
                "variables": ["482913", "10"],
            },
        ],
    }


async def test_sms_is_delivered_charged_and_reported(platform) -> None:
    sent = await platform.submit(**sms_body(platform, "+919811100010"))
    message = await platform.wait_for(
        sent["messageId"], lambda m: m["status"] == "DELIVERED" and m["cost"], "SMS delivered and charged"
    )
    assert message["segments"] == 1 and message["cost"] == "0.25" and message["currency"] == "INR"
    assert message["sentAt"] and message["deliveredAt"]
    page = (
        await platform.gateway.get(
            "/api/v1/messages/reports", params={"recipient": "+919811100010"}, headers=platform.headers()
        )
    ).json()
    assert [m["messageId"] for m in page["items"]] == [sent["messageId"]]


async def test_rcs_to_a_903_number_falls_back_to_whatsapp_then_sms_and_each_carrier_level_is_charged(platform):
    sent = await platform.submit(**chain_body(platform, "+919811100903"))
    message = await platform.wait_for(
        sent["messageId"],
        lambda m: m["status"] == "DELIVERED" and m["cost"] == "0.25",
        "delivered by SMS after two fallbacks, the failed WhatsApp attempt refunded",
    )
    assert (message["primaryChannel"], message["channel"], message["attempt"]) == ("RCS", "SMS", 3)
    attempts = [(a["channel"], a["status"], a["cost"]) for a in message["attempts"]]
    # RCS failed at the capability check (never reached a carrier: free); WhatsApp accepted it
    # (charged UIC provisionally) and then reported failure 131026, which Meta does not bill
    # (refunded: 0.00); SMS delivered (charged one segment)
    assert attempts == [("RCS", "FAILED", None), ("WHATSAPP", "FAILED", "0.00"), ("SMS", "DELIVERED", "0.25")]
    assert message["cost"] == "0.25"
    assert [h["status"] for h in message["history"]].count("RETRYING") == 2
    # each level is sent with its own variables (an SMS fallback once read "Your OTP is Asha")
    smsc_url = f"{platform.urls['sandbox']}/sandbox/smsc/messages?recipient=919811100903"
    smsc = (await platform.gateway.get(smsc_url)).json()["messages"]
    assert [m["text"] for m in smsc][-1].startswith("Your OTP is 482913. It is valid for 10 minutes.")
    wa_url = f"{platform.urls['whatsapp']}/sandbox/whatsapp/messages?to=919811100903"
    [sent_wa] = (await platform.gateway.get(wa_url)).json()["messages"]
    parameters = json.dumps(sent_wa["request"])
    assert '"Asha"' in parameters and '"A-1042"' in parameters


async def test_901_on_every_level_ends_failed(platform) -> None:
    sent = await platform.submit(**chain_body(platform, "+919811100901"))
    # RCS accepts and never delivers (the router's timeout moves on), WhatsApp fails,
    # SMS is undelivered: every level failed
    message = await platform.wait_for(sent["messageId"], final("FAILED"), "FAILED after three levels")
    assert [a["channel"] for a in message["attempts"]] == ["RCS", "WHATSAPP", "SMS"]
    assert message["attempts"][0]["errorCode"] is None or message["attempts"][0]["status"] == "SUBMITTED_OPERATOR"


async def test_whatsapp_904_is_read_and_rcs_carousel_and_voice_are_delivered(platform) -> None:
    t = platform.creds["templates"]
    wa = await platform.submit(
        recipient="+919811100904", channel="WHATSAPP", templateId=t["WHATSAPP"], variables=["Asha", "A-1"]
    )
    carousel = await platform.submit(
        recipient="+919811100111", channel="RCS", templateId=t["RCS_CAROUSEL"], variables=["Asha"]
    )
    call = await platform.submit(recipient="+919811100112", channel="VOICE", templateId=t["VOICE"], variables=["4829"])
    assert (await platform.wait_for(wa["messageId"], final("READ"), "WhatsApp read"))["readAt"]
    await platform.wait_for(carousel["messageId"], final("DELIVERED"), "carousel delivered")
    await platform.wait_for(call["messageId"], final("DELIVERED"), "call completed")


async def test_delivery_receipts_are_posted_signed_to_the_accounts_webhook(platform) -> None:
    """For a tenant the admin made through the console's API, its webhook URL set by its user
    on the Settings API (no SQL)."""
    tenant = await new_tenant(platform)
    received: list[tuple[dict, bytes]] = []

    async def hook(request: Request) -> Response:
        received.append((dict(request.headers), await request.body()))
        return Response(status_code=204)

    receiver = Starlette(routes=[Route("/hook", hook, methods=["POST"])])
    async with serving(receiver, bind_socket()) as port:
        user = await logged_in(platform.urls["console"], tenant["username"], tenant["password"])
        try:
            set_url = await user.put("/api/settings/webhook", json={"url": f"http://127.0.0.1:{port}/hook"})
            assert set_url.status_code == 200, set_url.text
            await asyncio.sleep(0.5)  # the webhooks service's cache is evicted by NOTIFY
            body = {
                "recipient": "+919811100020",
                "channel": "SMS",
                "templateId": tenant["templateId"],
                "senderId": tenant["sender"],
                "variables": ["482913"],
            }
            submitted = await platform.gateway.post(
                "/api/v1/messages/submit", json=body, headers={"X-API-Key": tenant["apiKey"]}
            )
            assert submitted.status_code == 202, submitted.text
            sent = submitted.json()
            async with asyncio.timeout(30):
                while not any(json.loads(body)["messageId"] == sent["messageId"] for _, body in received):
                    await asyncio.sleep(0.1)
        finally:
            await user.aclose()
    headers, body = next((h, b) for h, b in received if json.loads(b)["messageId"] == sent["messageId"])
    payload = json.loads(body)
    assert payload["status"] == "DELIVERED" and payload["channel"] == "SMS"
    assert payload["recipient"] == "+919811100020" and payload["deliveredAt"]
    timestamp = headers["x-cpaas-timestamp"]
    expected = hmac.new(tenant["webhookSecret"].encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["x-cpaas-signature"] == f"v1={expected}"


async def test_an_account_overdraws_by_at_most_what_is_in_flight_then_gets_402(platform) -> None:
    """README, 'Prepaid balance': charges apply when carriers accept, so submits accepted
    while the balance was still positive are all charged; the next one is refused."""
    account = platform.creds["accountId"]
    billing = httpx.AsyncClient(
        base_url=platform.urls["billing"], headers={"X-Service-Token": "local-dev-service-token"}
    )
    async with billing:
        balance = (await billing.get(f"/api/v1/billing/accounts/{account}/balance")).json()["balanceMinor"]
        debit = await billing.post(
            f"/api/v1/billing/accounts/{account}/adjustments",
            json={"amountMinor": -(balance - 1), "reason": "test: leave 1 paisa", "actor": "test"},
        )
        assert debit.status_code == 201, debit.text
        await asyncio.sleep(0.3)  # billing's NOTIFY reaches the gateway's cache
        in_flight = await asyncio.gather(*(platform.submit(**sms_body(platform, f"+91981110030{i}")) for i in range(3)))
        for sent in in_flight:
            await platform.wait_for(sent["messageId"], lambda m: m["cost"] is not None, "charged")
        after = (await billing.get(f"/api/v1/billing/accounts/{account}/balance")).json()["balanceMinor"]
        assert after == 1 - 3 * 25  # all three were charged: the overdraw is what was in flight
        await asyncio.sleep(0.3)
        refused = await platform.gateway.post(
            "/api/v1/messages/submit", json=sms_body(platform, "+919811100399"), headers=platform.headers()
        )
        assert refused.status_code == 402 and refused.json()["error"]["code"] == "INSUFFICIENT_BALANCE"
        credit = await billing.post(
            f"/api/v1/billing/accounts/{account}/adjustments",
            json={"amountMinor": 100_000, "reason": "test: top up", "actor": "test"},
        )
        assert credit.status_code == 201
