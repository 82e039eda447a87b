"""Template variables reach the carrier only as text: NUL, other C0 controls (but tab and
newline), DEL and C1 controls are refused at submit, on the public API and on the
console's internal path alike, and nothing is sent."""

import pytest

SUBMIT = "/api/v1/messages/submit"


@pytest.mark.parametrize(
    ("variables", "position", "character"),
    [
        (["48\x002913", "10"], "1", "U+0000"),
        (["482913", "\x1b[31m10"], "2", "U+001B"),
        ({"1": "482913", "2": "10\r"}, "2", "U+000D"),
        (["482913", "10\x7f"], "2", "U+007F"),
        (["\u0085482913", "10"], "1", "U+0085"),
        ({"1": "482913", "2": "10", "\x00": "x"}, "\\x00", "U+0000"),
    ],
)
async def test_control_characters_in_variables_are_refused_naming_the_variable(
    gateway, variables, position: str, character: str
) -> None:
    response = await gateway.client.post(SUBMIT, json=gateway.sms(variables=variables), headers=gateway.headers())
    gateway.assert_error(response, 422, "VALIDATION_ERROR", "variables")
    message = response.json()["error"]["message"]
    assert f"'{position}'" in message and character in message
    assert await gateway.submitted(expect=0, wait=0.5) == []


async def test_newline_and_tab_are_text(gateway) -> None:
    response = await gateway.client.post(
        SUBMIT, json=gateway.sms(variables=["4829\t13", "line one\nline two"]), headers=gateway.headers()
    )
    assert response.status_code == 202, response.text
    (record,) = await gateway.submitted(expect=1, wait=1.0)
    assert record["data"]["variables"] == {"1": "4829\t13", "2": "line one\nline two"}


async def test_a_message_with_fallback_levels_is_refused_too(gateway) -> None:
    creds = gateway.creds
    body = {
        "recipient": "+919876543210",
        "channel": "RCS",
        "templateId": creds["templates"]["RCS"],
        "variables": ["Asha", "A-1\x00"],
        "fallback": [
            {"channel": "WHATSAPP", "templateId": creds["templates"]["WHATSAPP"]},
            {"channel": "SMS", "templateId": creds["templates"]["SMS"], "senderId": creds["senderId"]},
        ],
    }
    response = await gateway.client.post(SUBMIT, json=body, headers=gateway.headers())
    gateway.assert_error(response, 422, "VALIDATION_ERROR", "variables")


async def test_the_consoles_quick_message_path_refuses_them_too(gateway) -> None:
    response = await gateway.client.post(
        f"/internal/v1/accounts/{gateway.creds['accountId']}/messages/submit",
        json=gateway.sms(variables=["482913", "1\x000"]),
        headers={"X-Service-Token": gateway.settings.service_token},
    )
    gateway.assert_error(response, 422, "VALIDATION_ERROR", "variables")
    assert await gateway.submitted(expect=0, wait=0.3) == []
