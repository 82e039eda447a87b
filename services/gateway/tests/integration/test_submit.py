"""The submit API against the real Kafka and PostgreSQL: what is accepted is in Kafka,
every refusal has the error shape and sends nothing."""

import asyncio
from datetime import UTC, datetime

import pytest

from cpaas.console.store import ConsoleStore
from cpaas.platform.db import create_pool


async def test_accepted_sms_is_in_kafka_when_the_gateway_answers_202(gateway) -> None:
    response = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "SUBMITTED" and body["messageId"].startswith("msg_")
    records = await gateway.submitted(expect=1, wait=1.0)
    assert len(records) == 1
    event = records[0]
    assert event["subject"] == body["messageId"]
    assert event["data"]["accountId"] == gateway.creds["accountId"]
    assert event["data"]["variables"] == {"1": "482913", "2": "10"}
    assert event["data"]["senderId"] == gateway.creds["senderId"]


@pytest.mark.parametrize(
    ("change", "status", "code", "field"),
    [
        ({"recipient": "98765"}, 422, "INVALID_RECIPIENT", "recipient"),
        ({"recipient": "+91 12"}, 422, "INVALID_RECIPIENT", "recipient"),
        ({"channel": "FAX"}, 422, "VALIDATION_ERROR", "channel"),
        ({"templateId": 999999}, 404, "TEMPLATE_NOT_FOUND", "templateId"),
        ({"senderId": "NOTMINE"}, 422, "SENDER_ID_NOT_APPROVED", "senderId"),
        ({"senderId": None}, 422, "SENDER_ID_REQUIRED", "senderId"),
        ({"senderId": "TOO LONG SENDER"}, 422, "VALIDATION_ERROR", "senderId"),
        ({"variables": ["only-one"]}, 422, "MISSING_VARIABLES", "variables"),
        ({"unknownField": 1}, 422, "VALIDATION_ERROR", "unknownField"),
    ],
)
async def test_invalid_submits_are_refused_with_a_clear_error_and_nothing_is_sent(
    gateway, change: dict, status: int, code: str, field: str
) -> None:
    response = await gateway.client.post(
        "/api/v1/messages/submit", json=gateway.sms(**change), headers=gateway.headers()
    )
    gateway.assert_error(response, status, code, field)
    assert await gateway.submitted(expect=0, wait=0.5) == []


async def test_malformed_json_is_refused(gateway) -> None:
    response = await gateway.client.post(
        "/api/v1/messages/submit",
        content=b'{"recipient": ',
        headers=gateway.headers(**{"content-type": "application/json"}),
    )
    gateway.assert_error(response, 400, "INVALID_JSON")


async def test_wrong_api_key_is_401(gateway) -> None:
    response = await gateway.client.post(
        "/api/v1/messages/submit", json=gateway.sms(), headers={"X-API-Key": "cpk_not-a-real-key"}
    )
    gateway.assert_error(response, 401, "UNAUTHORIZED", "X-API-Key")
    response = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms())
    gateway.assert_error(response, 401, "UNAUTHORIZED")


async def with_console(gateway):
    return await create_pool(gateway.settings.postgres, schema="console", application_name="test")


async def eventually(check, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_ip_outside_the_allow_list_is_403_and_inside_is_accepted(gateway) -> None:
    pool = await with_console(gateway)
    try:
        await ConsoleStore(pool).accounts.set_ip_allowlist(gateway.creds["accountId"], ["10.1.0.0/16"])

        async def refused() -> bool:
            r = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
            return r.status_code == 403

        await eventually(refused)  # the console's NOTIFY reaches the gateway's cache
        response = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
        gateway.assert_error(response, 403, "IP_NOT_ALLOWED")
        await ConsoleStore(pool).accounts.set_ip_allowlist(gateway.creds["accountId"], ["203.0.113.0/24"])

        async def accepted() -> bool:
            r = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
            return r.status_code == 202

        await eventually(accepted)
    finally:
        await pool.close()


async def test_blacklisted_recipient_is_refused(gateway) -> None:
    pool = await with_console(gateway)
    try:
        await ConsoleStore(pool).blacklist.add(gateway.creds["accountId"], "+919876543210")

        async def refused() -> bool:
            r = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
            return r.status_code == 422

        await eventually(refused)
        response = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
        gateway.assert_error(response, 422, "RECIPIENT_BLACKLISTED", "recipient")
    finally:
        await pool.close()
    assert await gateway.submitted(expect=0, wait=0.3) == []


async def test_unapproved_and_foreign_templates_are_refused(gateway) -> None:
    pool = await with_console(gateway)
    try:
        store = ConsoleStore(pool)
        pending = await store.templates.create(
            gateway.creds["accountId"],
            name="pending_one",
            channel="SMS",
            body="Hello",
            status="PENDING",
            category="UIC",
        )
        other_account = await store.accounts.create("Other")
        foreign = await store.templates.create(
            other_account, name="theirs", channel="SMS", body="Hi", status="APPROVED", category="UIC"
        )
    finally:
        await pool.close()
    response = await gateway.client.post(
        "/api/v1/messages/submit", json=gateway.sms(templateId=pending), headers=gateway.headers()
    )
    gateway.assert_error(response, 422, "TEMPLATE_NOT_APPROVED", "templateId")
    response = await gateway.client.post(
        "/api/v1/messages/submit", json=gateway.sms(templateId=foreign), headers=gateway.headers()
    )
    gateway.assert_error(response, 404, "TEMPLATE_NOT_FOUND", "templateId")


async def test_a_whatsapp_template_the_admin_approved_waits_for_metas_approval(gateway) -> None:
    """Issue 20.2: admin-approved but PENDING at Meta is refused at submit (Meta would refuse
    it: 132001), as the console's data reaches the gateway (cpaas.control_plane); once Meta
    approves, the same submit is accepted."""
    pool = await with_console(gateway)
    try:
        store = ConsoleStore(pool)
        template = gateway.creds["templates"]["WHATSAPP"]
        account = gateway.creds["accountId"]
        await pool.execute("UPDATE console.templates SET provider_status = 'PENDING' WHERE id = $1", template)
        body = {
            "recipient": "+919876543210",
            "channel": "WHATSAPP",
            "templateId": template,
            "variables": ["Asha", "A-7"],
        }
        response = await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
        gateway.assert_error(response, 422, "TEMPLATE_NOT_APPROVED_BY_PROVIDER", "templateId")
        assert "not approved by Meta" in response.json()["error"]["message"]
        await store.templates.apply_provider_verdict(template, account, "APPROVED", None, "5944", datetime.now(UTC))
        async with asyncio.timeout(10):  # the gateway's cache hears the console's change notification
            while (
                await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
            ).status_code != 202:
                await asyncio.sleep(0.1)
    finally:
        await pool.close()


async def test_same_idempotency_key_with_a_different_body_is_a_conflict(gateway) -> None:
    headers = gateway.headers(**{"Idempotency-Key": "k-1"})
    first = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=headers)
    assert first.status_code == 202
    second = await gateway.client.post(
        "/api/v1/messages/submit", json=gateway.sms(variables=["1", "2"]), headers=headers
    )
    gateway.assert_error(second, 409, "IDEMPOTENCY_CONFLICT")


async def test_a_rotated_api_key_stops_working_at_once(gateway) -> None:
    assert (
        await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
    ).status_code == 202
    pool = await with_console(gateway)
    try:
        new_key = await ConsoleStore(pool).accounts.rotate_api_key(gateway.creds["accountId"])
    finally:
        await pool.close()

    async def old_refused() -> bool:
        r = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
        return r.status_code == 401

    await eventually(old_refused, timeout=2.0)
    response = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers={"X-API-Key": new_key})
    assert response.status_code == 202


async def test_reports_of_another_account_are_403(gateway) -> None:
    other = gateway.creds["accountId"] + 1000
    response = await gateway.client.get(f"/api/v1/messages/reports?accountId={other}", headers=gateway.headers())
    gateway.assert_error(response, 403, "FORBIDDEN", "accountId")


async def test_openapi_document_describes_submit_and_reports(gateway) -> None:
    spec = (await gateway.client.get("/openapi.json")).json()
    assert "/api/v1/messages/submit" in spec["paths"]
    assert "/api/v1/messages/reports" in spec["paths"]
    assert (await gateway.client.get("/docs")).status_code == 200
