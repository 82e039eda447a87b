"""Each fallback level carries its own template's variables (issue 20, point 1): an SMS
fallback of an RCS message once read "Your OTP is Asha" because the levels shared the
primary's variables by position. A level whose template's variables are not given is
refused at submit, naming the level; the submit event carries each level's own."""

SUBMIT = "/api/v1/messages/submit"


def with_whatsapp_fallback(gateway, **level: object) -> dict:
    """An SMS (otp_alert: 2 variables) with a WhatsApp fallback (order_update: 2 variables)."""
    return gateway.sms(
        fallback=[{"channel": "WHATSAPP", "templateId": gateway.creds["templates"]["WHATSAPP"], **level}]
    )


async def test_a_fallback_level_without_its_own_variables_is_refused_naming_the_level(gateway) -> None:
    response = await gateway.client.post(SUBMIT, json=with_whatsapp_fallback(gateway), headers=gateway.headers())
    gateway.assert_error(response, 422, "MISSING_VARIABLES", "fallback[0].variables")
    assert (
        "'order_update' of fallback[0] needs 2 variables; missing position(s) 1, 2"
        in response.json()["error"]["message"]
    )
    short = with_whatsapp_fallback(gateway, variables=["Asha"])
    response = await gateway.client.post(SUBMIT, json=short, headers=gateway.headers())
    gateway.assert_error(response, 422, "MISSING_VARIABLES", "fallback[0].variables")
    assert await gateway.submitted(expect=0, wait=0.5) == []


async def test_each_level_is_published_with_its_own_variables(gateway) -> None:
    body = with_whatsapp_fallback(gateway, variables={"1": "Asha", "2": "A-1042"})
    response = await gateway.client.post(SUBMIT, json=body, headers=gateway.headers())
    assert response.status_code == 202, response.text
    (record,) = await gateway.submitted(expect=1, wait=1.0)
    assert record["data"]["variables"] == {"1": "482913", "2": "10"}
    assert [(f["channel"], f["variables"]) for f in record["data"]["fallback"]] == [
        ("WHATSAPP", {"1": "Asha", "2": "A-1042"})
    ]


async def test_a_fallback_levels_variables_are_checked_as_text_too(gateway) -> None:
    body = with_whatsapp_fallback(gateway, variables=["Asha", "A-1\x00"])
    response = await gateway.client.post(SUBMIT, json=body, headers=gateway.headers())
    gateway.assert_error(response, 422, "VALIDATION_ERROR", "fallback.0.variables")
    assert "U+0000" in response.json()["error"]["message"]


async def test_the_consoles_quick_message_path_names_the_level_too(gateway) -> None:
    response = await gateway.client.post(
        f"/internal/v1/accounts/{gateway.creds['accountId']}/messages/submit",
        json=with_whatsapp_fallback(gateway),
        headers={"X-Service-Token": gateway.settings.service_token},
    )
    gateway.assert_error(response, 422, "MISSING_VARIABLES", "fallback[0].variables")
    assert await gateway.submitted(expect=0, wait=0.3) == []
