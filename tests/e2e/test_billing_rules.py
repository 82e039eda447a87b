"""Each channel's billing rule, end to end (issue 20.3): a WhatsApp message Meta reports as
failed (131026: the recipient has no WhatsApp; the sandbox's ...903 numbers) is not billed.

A tenant onboarded through HTTP only (the admin creates the account and its user, credits
it, links a WhatsApp number and approves the user's template, the sandbox's Meta approves
it too); the user sends one WhatsApp message through the gateway's public API to a
number ending 903. The sandbox accepts the send (a wamid: billing charges the attempt
provisionally, as the gateway's credit check needs) and then posts the `failed` status
with error 131026: the message ends FAILED, billing refunds the charge, the balance is
what it was before the send, and the report reads a cost of 0.00.
"""

import asyncio

import httpx

from .conftest import Platform

WAIT_SECONDS = 40
OPENING_MINOR = 50_000
RECIPIENT = "+919811500903"  # ...903: CHANNEL_NOT_SUPPORTED, WhatsApp `failed` with 131026


async def logged_in(url: str, username: str, password: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=url, timeout=15)
    response = await client.post("/api/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.headers["X-CSRF-Token"] = response.json()["csrfToken"]
    return client


def ok(response: httpx.Response, status: int = 200) -> dict:
    assert response.status_code == status, f"{response.request.method} {response.request.url}: {response.text}"
    return response.json() if response.content else {}


async def eventually(what: str, attempt):
    """`await attempt()` until it answers something truthy."""
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while not (result := await attempt()):
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(what) from None
    return result


async def test_a_whatsapp_message_failed_with_131026_leaves_the_balance_unchanged(platform: Platform) -> None:
    console_url = platform.urls["console"]
    admin = await logged_in(console_url, platform.creds["admin"]["username"], platform.creds["admin"]["password"])
    created = ok(
        await admin.post("/api/admin/users", json={"username": "billing_rules", "accountName": "Billing Rules Ltd"}),
        201,
    )
    account_id = created["accountId"]
    credit = {"amountMinor": OPENING_MINOR, "reason": "opening balance"}
    ok(await admin.post(f"/api/admin/accounts/{account_id}/balance-adjustments", json=credit), 201)
    number = ok(
        await admin.post(
            f"/api/admin/accounts/{account_id}/whatsapp-numbers",
            json={
                "phoneNumber": "+919000077901",
                "displayName": "Billing Rules",
                "wabaId": "401122334455901",
                "phoneNumberId": "502233445566901",
                "accessToken": "local-dev-wa-token",  # a token the sandbox's Graph API accepts
            },
        ),
        201,
    )
    user = await logged_in(console_url, "billing_rules", created["password"])
    template = ok(
        await user.post(
            "/api/templates",
            json={
                "name": "billing_rules_shipped",
                "channel": "WHATSAPP",
                "category": "UTILITY",  # UIC: 0.35
                "body": "Hi {{1}}, your order {{2}} has shipped.",
                "wabaNumberId": number["id"],
            },
        ),
        201,
    )
    ok(await admin.post(f"/api/admin/approvals/templates/{template['id']}", json={"decision": "APPROVE"}), 204)

    async def usable() -> bool:
        return ok(await user.get(f"/api/templates/{template['id']}"))["usable"]

    await eventually("the WhatsApp template never became usable", usable)
    before = ok(await user.get("/api/billing"))["balance"]["balanceMinor"]
    assert before == OPENING_MINOR

    key = {"X-API-Key": created["apiKey"]}
    submit = {
        "recipient": RECIPIENT,
        "channel": "WHATSAPP",
        "templateId": template["id"],
        "variables": ["Asha", "A-1042"],
    }
    answer = await platform.gateway.post("/api/v1/messages/submit", json=submit, headers=key)
    assert answer.status_code == 202, answer.text
    message_id = answer.json()["messageId"]

    async def settled() -> dict | None:
        response = await platform.gateway.get(f"/api/v1/messages/{message_id}", headers=key)
        message = response.json() if response.status_code == 200 else {}
        return message if message.get("status") == "FAILED" and message.get("cost") == "0.00" else None

    message = await eventually("the message did not end FAILED with a cost of 0.00", settled)
    [attempt] = message["attempts"]
    assert (attempt["channel"], attempt["status"], attempt["cost"]) == ("WHATSAPP", "FAILED", "0.00")
    assert message["errorCode"] == "131026", message  # Meta's code, as the report shows it

    # the attempt was charged when Meta accepted it, and that charge was refunded
    billing = ok(await user.get("/api/billing"))
    entries = [(t["kind"], t["amountMinor"]) for t in billing["transactions"]["items"] if t["messageId"] == message_id]
    assert entries == [("REFUND", 35), ("CHARGE", -35)]  # newest first
    assert billing["balance"]["balanceMinor"] == OPENING_MINOR
    for client in (admin, user):
        await client.aclose()
