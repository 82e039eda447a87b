"""A WhatsApp or RCS template is usable only once the admin AND the provider approved it:
the Templates list shows both steps, and the provider's reason (Meta's rejection_info)
reaches the user. Templates carry a real language code."""

import asyncio
from datetime import UTC, datetime

from cpaas.contracts.events import TemplateStatusChangedV1
from cpaas.contracts.topics import TEMPLATE_STATUS
from cpaas.platform.broker import EventPublisher, make_broker

WHATSAPP = {
    "name": "two_steps",
    "channel": "WHATSAPP",
    "category": "UTILITY",
    "language": "en_US",
    "body": "Hi {{1}}, your parcel is out for delivery.",
}


async def listed(client, template_id: int) -> dict:
    [item] = [t for t in (await client.get("/api/templates", params={"channel": "WHATSAPP"})).json()["items"]
              if t["id"] == template_id]  # fmt: skip
    return item


async def provider_says(kafka_settings, template: dict, account_id: int, status: str, reason: str | None) -> None:
    broker = make_broker(kafka_settings, client_id="test-wa-connector")
    await broker.start()
    try:
        verdict = TemplateStatusChangedV1(
            template_id=template["id"],
            account_id=account_id,
            channel="WHATSAPP",
            status=status,
            reason=reason,
            provider_template_id="5944",
            occurred_at=datetime.now(UTC),
        )
        await EventPublisher(broker, kafka_settings, source="wa-connector").publish(
            TEMPLATE_STATUS.name, verdict, subject=str(template["id"])
        )
    finally:
        await broker.stop()


async def wait_listed(client, template_id: int, **expected) -> dict:
    async with asyncio.timeout(15):
        while True:
            item = await listed(client, template_id)
            if all(item[k] == v for k, v in expected.items()):
                return item
            await asyncio.sleep(0.1)


async def test_the_admins_approval_alone_does_not_make_a_template_usable(console, kafka_settings) -> None:
    user, admin = await console.user(), await console.admin()
    created = (await user.post("/api/templates", json=WHATSAPP)).json()
    assert (created["status"], created["providerStatus"], created["usable"], created["language"]) == (
        "PENDING",
        None,
        False,
        "en_US",
    )
    approved = await admin.post(f"/api/admin/approvals/templates/{created['id']}", json={"decision": "APPROVE"})
    assert approved.status_code == 204
    item = await listed(user, created["id"])
    assert (item["status"], item["providerStatus"], item["usable"]) == ("APPROVED", None, False)
    await provider_says(kafka_settings, created, console.creds["accountId"], "PENDING", None)
    item = await wait_listed(user, created["id"], providerStatus="PENDING")
    assert item["usable"] is False
    await provider_says(kafka_settings, created, console.creds["accountId"], "APPROVED", None)
    item = await wait_listed(user, created["id"], providerStatus="APPROVED")
    assert (item["status"], item["usable"]) == ("APPROVED", True)


async def test_metas_rejection_info_reaches_the_user(console, kafka_settings) -> None:
    user = await console.user()
    created = (await user.post("/api/templates", json={**WHATSAPP, "name": "rejected_by_meta"})).json()
    reason = "INVALID_FORMAT: The template has adjacent variables. Recommendation: Add text between the variables."
    await provider_says(kafka_settings, created, console.creds["accountId"], "REJECTED", reason)
    item = await wait_listed(user, created["id"], providerStatus="FAILED")
    assert (item["status"], item["statusReason"], item["providerReason"], item["usable"]) == (
        "FAILED",
        reason,
        reason,
        False,
    )


async def test_a_template_language_must_be_a_providers_code(console) -> None:
    user = await console.user()
    for wrong in ("english", "en-US"):
        response = await user.post("/api/templates", json={**WHATSAPP, "name": "bad_language", "language": wrong})
        assert response.status_code == 422
        assert response.json()["error"]["field"] == "language"
    seeded = (await user.get("/api/templates", params={"search": "order_update"})).json()["items"]
    assert [(t["providerStatus"], t["usable"]) for t in seeded] == [("APPROVED", True)]  # the demo's
