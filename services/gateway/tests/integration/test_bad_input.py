"""Ordinary bad input is a 4xx with the error shape, never a 500: ids and page numbers
past PostgreSQL's bigint, NUL bytes and odd Unicode in query strings, headers and JSON,
numbers JSON allows but no id is."""

import json

import pytest

SUBMIT = "/api/v1/messages/submit"
REPORTS = "/api/v1/messages/reports"
BIGINT_PAST = 2**63
FULLWIDTH_NUMBER = "+91" + "".join(chr(0xFF10 + int(digit)) for digit in "9876543210")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": BIGINT_PAST}, "page"),
        ({"page": 10**30}, "page"),
        ({"pageSize": BIGINT_PAST}, "pageSize"),
        ({"campaignId": BIGINT_PAST}, "campaignId"),
        ({"campaignId": -1}, "campaignId"),
        ({"accountId": BIGINT_PAST}, "accountId"),
        ({"from": "9999-12-31T23:59:59-23:59"}, "from"),
        ({"to": "0001-01-01T00:00:00+23:59"}, "to"),
    ],
)
async def test_report_filters_out_of_range_are_422(gateway, reporting, query: dict, field: str) -> None:
    response = await gateway.client.get(REPORTS, params=query, headers=gateway.headers())
    gateway.assert_error(response, 422, "VALIDATION_ERROR", field)


@pytest.mark.parametrize("recipient", ["+9198\x007654", "\x00", "\u202e+919876543210", FULLWIDTH_NUMBER])
async def test_odd_recipient_searches_are_answered_without_a_server_error(gateway, reporting, recipient: str) -> None:
    response = await gateway.client.get(REPORTS, params={"recipient": recipient}, headers=gateway.headers())
    assert response.status_code in (200, 422), response.text
    if response.status_code == 422:
        assert response.json()["error"]["field"] == "recipient"


async def test_a_nul_in_a_message_id_is_404(gateway) -> None:
    response = await gateway.client.get("/api/v1/messages/msg_%00abc", headers=gateway.headers())
    gateway.assert_error(response, 404, "NOT_FOUND", "messageId")


@pytest.mark.parametrize(
    ("raw", "status", "code", "field"),
    [
        ({"templateId": "9223372036854775808"}, 422, "VALIDATION_ERROR", "templateId"),
        ({"templateId": "1e400"}, 422, "VALIDATION_ERROR", "templateId"),
        ({"templateId": "123456789012345678901234567890"}, 422, "VALIDATION_ERROR", "templateId"),
        (
            {"fallback": '[{"channel": "WHATSAPP", "templateId": 9223372036854775808}]'},
            422,
            "VALIDATION_ERROR",
            "fallback.0.templateId",
        ),
        ({"recipient": '"+9198\\u00007654"'}, 422, "INVALID_RECIPIENT", "recipient"),
        ({"senderId": '"AB\\u0000CD"'}, 422, "VALIDATION_ERROR", "senderId"),
        ({"recipient": '"\\ud800"'}, 400, "INVALID_JSON", None),
    ],
)
async def test_bad_numbers_and_strings_in_a_submit_are_4xx(gateway, raw: dict, status: int, code: str, field) -> None:
    """`raw`: JSON text put in place of a field of a valid submit."""
    body = json.dumps({**gateway.sms(), **{name: f"@{name}@" for name in raw}})
    for name, text in raw.items():
        body = body.replace(f'"@{name}@"', text)
    response = await gateway.client.post(
        SUBMIT, content=body.encode(), headers=gateway.headers(**{"content-type": "application/json"})
    )
    gateway.assert_error(response, status, code, field)


async def test_an_account_id_past_bigint_on_the_internal_path_is_422(gateway) -> None:
    response = await gateway.client.post(
        f"/internal/v1/accounts/{BIGINT_PAST}/messages/submit",
        json=gateway.sms(),
        headers={"X-Service-Token": gateway.settings.service_token},
    )
    gateway.assert_error(response, 422, "VALIDATION_ERROR", "account_id")


async def test_an_idempotency_key_with_a_control_character_is_422(gateway) -> None:
    response = await gateway.client.post(
        f"/internal/v1/accounts/{gateway.creds['accountId']}/messages/submit",
        json=gateway.sms(),
        headers={"X-Service-Token": gateway.settings.service_token, "Idempotency-Key": "k\x01ey"},
    )
    gateway.assert_error(response, 422, "VALIDATION_ERROR", "Idempotency-Key")
