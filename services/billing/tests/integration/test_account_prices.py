"""The account's price list (the user's Billing page): per channel, the guide's category
(UIC, MIC, SIC, Auth, Auth INT for WhatsApp) and the message type."""

TOKEN = {"X-Service-Token": "local-dev-service-token"}


async def test_an_accounts_price_list_names_each_channel_category_and_message_type(harness) -> None:
    async with harness.service() as api:
        listed = await api.get("/api/v1/billing/accounts/4242/prices", headers=TOKEN)
        changed = await api.put(
            "/api/v1/billing/prices/WA_SIC", json={"amountMinor": 33, "actor": "ops"}, headers=TOKEN
        )
        again = (await api.get("/api/v1/billing/accounts/4242/prices", headers=TOKEN)).json()
        refused = await api.get("/api/v1/billing/accounts/4242/prices")
    assert listed.status_code == 200 and changed.status_code == 200 and refused.status_code == 401
    body = listed.json()
    assert body["accountId"] == 4242 and body["currency"] == "INR"
    whatsapp = {
        p["category"]: (p["messageType"], p["amountMinor"]) for p in body["items"] if p["channel"] == "WHATSAPP"
    }
    assert whatsapp == {
        "UIC": ("Template: UTILITY", 35),
        "MIC": ("Template: MARKETING", 80),
        "SIC": ("Template: SERVICE (or none)", 30),
        "Auth": ("Template: AUTHENTICATION, domestic recipient", 15),
        "Auth INT": ("Template: AUTHENTICATION, international recipient", 120),
    }
    rcs = {p["messageType"]: p["amountMinor"] for p in body["items"] if p["channel"] == "RCS"}
    assert rcs == {"Text": 20, "Rich card": 40, "Carousel": 60}
    assert {p["channel"] for p in body["items"]} == {"SMS", "WHATSAPP", "RCS", "VOICE"}
    assert all(p["messageType"] for p in body["items"])
    assert {p["priceCode"]: p["amountMinor"] for p in again["items"]}["WA_SIC"] == 33
