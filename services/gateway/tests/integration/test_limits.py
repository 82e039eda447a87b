"""Credit check, rate limit and channel identity checks at the gateway."""

import asyncio

from cpaas.platform.db import create_pool


async def test_zero_balance_is_refused_402_and_a_credit_reopens_it(gateway) -> None:
    pool = await create_pool(gateway.settings.postgres, schema="billing", application_name="test")
    try:
        await pool.execute(
            "UPDATE billing.balances SET balance_minor = 0 WHERE account_id = $1", gateway.creds["accountId"]
        )
        await pool.execute("SELECT pg_notify('cpaas_billing', $1)", f"{gateway.creds['accountId']}:0")
        await asyncio.sleep(0.3)
        response = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
        gateway.assert_error(response, 402, "INSUFFICIENT_BALANCE")
        await pool.execute("SELECT pg_notify('cpaas_billing', $1)", f"{gateway.creds['accountId']}:500")
        await asyncio.sleep(0.3)
        response = await gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
        assert response.status_code == 202
    finally:
        await pool.close()
    assert len(await gateway.submitted(expect=1, wait=1.0)) == 1


async def test_a_burst_above_the_rate_gets_429_with_retry_after_and_refused_requests_send_nothing(gateway) -> None:
    pool = await create_pool(gateway.settings.postgres, schema="console", application_name="test")
    try:
        await pool.execute(
            "UPDATE console.accounts SET submit_rate_per_second = 5 WHERE id = $1", gateway.creds["accountId"]
        )
    finally:
        await pool.close()
    await asyncio.sleep(0.3)  # NOTIFY evicts the cached account
    answers = await asyncio.gather(
        *(
            gateway.client.post("/api/v1/messages/submit", json=gateway.sms(), headers=gateway.headers())
            for _ in range(12)
        )
    )
    accepted = [a for a in answers if a.status_code == 202]
    refused = [a for a in answers if a.status_code == 429]
    assert len(accepted) == 5 and len(refused) == 7
    assert refused[0].json()["error"]["code"] == "RATE_LIMITED"
    assert int(refused[0].headers["Retry-After"]) >= 1
    records = await gateway.submitted(expect=5, wait=1.5)
    assert sorted(r["subject"] for r in records) == sorted(a.json()["messageId"] for a in accepted)


async def test_whatsapp_with_an_inactive_waba_number_is_refused(gateway) -> None:
    pool = await create_pool(gateway.settings.postgres, schema="console", application_name="test")
    try:
        await pool.execute(
            "UPDATE console.waba_numbers SET status = 'INACTIVE' WHERE account_id = $1", gateway.creds["accountId"]
        )
    finally:
        await pool.close()
    await asyncio.sleep(0.3)
    body = {
        "recipient": "+919876543210",
        "channel": "WHATSAPP",
        "templateId": gateway.creds["templates"]["WHATSAPP"],
        "variables": ["Asha", "A-1"],
    }
    response = await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
    gateway.assert_error(response, 422, "CHANNEL_NOT_CONFIGURED", "templateId")


async def test_each_fallback_level_is_validated_like_the_primary(gateway) -> None:
    body = {
        "recipient": "+919876543210",
        "channel": "RCS",
        "templateId": gateway.creds["templates"]["RCS"],
        "variables": ["Asha", "A-1"],
        "fallback": [
            {"channel": "WHATSAPP", "templateId": gateway.creds["templates"]["WHATSAPP"], "variables": ["Asha", "A-1"]},
            {"channel": "SMS", "templateId": gateway.creds["templates"]["SMS"], "variables": ["482913", "10"]},
        ],
    }
    response = await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
    gateway.assert_error(response, 422, "SENDER_ID_REQUIRED", "fallback[1].senderId")
    body["fallback"][1]["senderId"] = gateway.creds["senderId"]
    body["fallback"][0]["templateId"] = gateway.creds["templates"]["SMS"]
    response = await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
    gateway.assert_error(response, 422, "TEMPLATE_CHANNEL_MISMATCH", "fallback[0].templateId")
    body["fallback"][0]["templateId"] = gateway.creds["templates"]["WHATSAPP"]
    response = await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
    assert response.status_code == 202, response.text
    del body["fallback"][1]["variables"]
    response = await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
    gateway.assert_error(response, 422, "MISSING_VARIABLES", "fallback[1].variables")  # the primary's do not count
    body["fallback"][1]["variables"] = ["482913", "10"]
    response = await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
    assert response.status_code == 202, response.text
    body["fallback"].append(body["fallback"][0])
    response = await gateway.client.post("/api/v1/messages/submit", json=body, headers=gateway.headers())
    gateway.assert_error(response, 422, "VALIDATION_ERROR", "fallback")
