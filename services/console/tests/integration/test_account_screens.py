"""Sender IDs, Channels, Blacklist and Settings of the logged-in user's account."""

import pytest

from cpaas.console.domain.credentials import hash_api_key


async def test_a_sender_id_request_goes_pending_and_is_validated(console) -> None:
    client = await console.user()
    response = await client.post("/api/sender-ids", json={"senderId": "MYBRAND", "peId": "1101000000000001"})
    assert response.status_code == 201 and response.json()["status"] == "PENDING"
    too_long = await client.post("/api/sender-ids", json={"senderId": "MY BRAND NAME", "peId": "1"})
    assert too_long.status_code == 422 and too_long.json()["error"]["field"] == "senderId"
    again = await client.post("/api/sender-ids", json={"senderId": "MYBRAND", "peId": "1101000000000001"})
    assert again.status_code == 409
    page = (await client.get("/api/sender-ids")).json()
    assert {s["senderId"]: s["status"] for s in page["items"]} == {"MYBRAND": "PENDING", "CPAASD": "APPROVED"}
    assert (page["page"], page["pageSize"], page["total"]) == (1, 20, 2)


async def test_sender_ids_are_searched_filtered_and_paged_by_the_server(console) -> None:
    client = await console.user()
    for sender_id, pe_id in (
        ("ACME1", "1101000000000011"),
        ("ACME2", "1101000000000012"),
        ("ZETA", "2202000000000099"),
    ):
        created = await client.post("/api/sender-ids", json={"senderId": sender_id, "peId": pe_id})
        assert created.status_code == 201, created.text

    async def listed(**params) -> dict:
        response = await client.get("/api/sender-ids", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    found = await listed(search="acme")  # case-insensitive, by sender ID
    assert [s["senderId"] for s in found["items"]] == ["ACME2", "ACME1"] and found["total"] == 2
    assert [s["senderId"] for s in (await listed(search="2202"))["items"]] == ["ZETA"]  # by PE ID
    assert (await listed(search="%"))["total"] == 0  # a LIKE wildcard is a plain character
    assert (await listed(search="_"))["total"] == 0
    approved = await listed(status="APPROVED")
    assert [s["senderId"] for s in approved["items"]] == ["CPAASD"] and approved["total"] == 1
    assert (await listed(status="PENDING", search="zeta"))["total"] == 1
    assert (await listed(status="REJECTED"))["total"] == 0
    first, second = await listed(pageSize=3), await listed(pageSize=3, page=2)
    assert first["total"] == second["total"] == 4 and len(first["items"]) == 3 and len(second["items"]) == 1
    assert {s["senderId"] for s in first["items"] + second["items"]} == {"ACME1", "ACME2", "ZETA", "CPAASD"}
    assert (await listed(page=3, pageSize=3))["items"] == []
    assert (await client.get("/api/sender-ids", params={"status": "GONE"})).status_code == 422
    assert (await client.get("/api/sender-ids", params={"pageSize": 101})).status_code == 422
    # another account sees none of them
    admin = await console.admin()
    assert (await admin.get("/api/sender-ids", params={"search": "acme"})).json()["total"] == 0


async def test_channels_list_masks_keys_and_a_bot_request_goes_pending(console) -> None:
    client = await console.user()
    [waba] = (await client.get("/api/channels/whatsapp")).json()
    assert waba["phoneNumber"] == "+919000000001" and waba["status"] == "ACTIVE"
    assert "local-dev-wa-token" not in waba["apiKey"] and waba["apiKey"].endswith("oken")
    response = await client.post("/api/channels/rcs", json={"displayName": "Shop Bot", "handle": "shop-bot"})
    assert response.status_code == 201 and response.json()["status"] == "PENDING"
    bots = {b["handle"]: b["status"] for b in (await client.get("/api/channels/rcs")).json()}
    assert bots == {"cpaas-demo": "ACTIVE", "shop-bot": "PENDING"}


async def test_blacklist_add_list_search_and_remove(console) -> None:
    client = await console.user()
    bad = await client.post("/api/blacklist", json={"recipient": "12345"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "recipient"
    for number in ("+919876543210", "+14155550123"):
        assert (await client.post("/api/blacklist", json={"recipient": number})).status_code == 201
    page = (await client.get("/api/blacklist", params={"search": "9198"})).json()
    assert page["total"] == 1 and page["items"][0]["recipient"] == "+919876543210"
    assert (await client.delete("/api/blacklist/+919876543210")).status_code == 204
    assert (await client.delete("/api/blacklist/+919876543210")).status_code == 404
    assert (await client.get("/api/blacklist")).json()["total"] == 1


async def test_rotating_the_api_key_revokes_the_old_one(console) -> None:
    client = await console.user()
    old_hash = hash_api_key(console.creds["apiKey"])
    before = (await client.get("/api/settings")).json()
    assert before["apiKeyPrefix"] == console.creds["apiKey"][:10]
    response = await client.post("/api/settings/api-key/rotate")
    assert response.status_code == 200
    new_key = response.json()["apiKey"]
    pool = console.app.state.store.pool
    assert await pool.fetchval("SELECT revoked_at IS NOT NULL FROM api_keys WHERE key_hash = $1", old_hash)
    assert await console.app.state.store.accounts.active_key_hash(console.creds["accountId"]) == hash_api_key(new_key)
    assert (await client.get("/api/settings")).json()["apiKeyPrefix"] == new_key[:10]


async def test_webhook_url_and_ip_allowlist_are_validated_and_saved(console) -> None:
    client = await console.user()
    bad = await client.put("/api/settings/webhook", json={"url": "ftp://example.com/x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "url"
    saved = (await client.put("/api/settings/webhook", json={"url": "https://93.184.216.34/dlr"})).json()
    assert saved["webhookUrl"] == "https://93.184.216.34/dlr"
    assert saved["webhookSecret"] == "whsec_" + "•" * 8 + console.creds["webhookSecret"][-4:]  # masked once saved
    bad = await client.put("/api/settings/ip-allowlist", json={"entries": ["10.0.0.0/8", "not-an-ip"]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "entries.1"
    saved = (await client.put("/api/settings/ip-allowlist", json={"entries": ["10.1.2.3/8", " 203.0.113.7 "]})).json()
    assert saved["ipAllowlist"] == ["10.0.0.0/8", "203.0.113.7"]


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://0x7f.1:8082/", "0x7f.1 is 127.0.0.1, a loopback address"),
        ("http://2130706433:8082/", "2130706433 is 127.0.0.1, a loopback address"),
        ("http://0177.0.0.1:8082/", "0177.0.0.1 is 127.0.0.1, a loopback address"),
        ("http://127.1:8082/", "127.1 is 127.0.0.1, a loopback address"),
        ("http://[::ffff:127.0.0.1]:8082/", "loopback address"),
        ("http://localhost:8082/", "localhost resolves to"),  # a name resolving to a refused address
        ("http://10.0.0.5/hook", "10.0.0.5 is a private address"),
        ("https://user:secret@93.184.216.34/hook", "credentials in the URL are not supported"),
        ("ftp://93.184.216.34/hook", "must start with http:// or https://"),
        ("gopher://93.184.216.34:70/", "must start with http:// or https://"),
    ],
)
async def test_a_webhook_url_the_platform_may_not_post_to_is_refused_when_saved(console, url, why) -> None:
    production_rule = {"allow_loopback": False, "allow_private": False}
    console.app.state.settings = console.app.state.settings.model_copy(update=production_rule)
    client = await console.user()
    refused = await client.put("/api/settings/webhook", json={"url": url})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "WEBHOOK_URL_NOT_ALLOWED" and error["field"] == "url" and why in error["message"]
    assert (await client.get("/api/settings")).json()["webhookUrl"] is None  # nothing saved


async def test_loopback_webhook_urls_are_accepted_in_the_local_environment_only(console) -> None:
    client = await console.user()
    assert console.app.state.settings.allow_loopback is True  # local defaults
    saved = await client.put("/api/settings/webhook", json={"url": "http://127.0.0.1:9000/dlr"})
    assert saved.status_code == 200 and saved.json()["webhookUrl"] == "http://127.0.0.1:9000/dlr"
    cleared = await client.put("/api/settings/webhook", json={"url": None})
    assert cleared.status_code == 200 and cleared.json()["webhookUrl"] is None


async def test_provider_credentials_are_stored_sealed_and_shown_masked(console) -> None:
    pool = console.app.state.store.pool
    box = console.app.state.store.channels.box
    stored = {r["api_key"] for r in await pool.fetch("SELECT api_key FROM console.waba_numbers")}
    stored |= {r["api_key"] for r in await pool.fetch("SELECT api_key FROM console.rcs_bots")}
    assert stored and all(value.startswith("enc:v1:") for value in stored)

    client = await console.user()
    created = await client.post("/api/channels/rcs", json={"displayName": "Sealed", "handle": "sealed-bot"})
    assert created.status_code == 201
    row = await pool.fetchrow("SELECT api_key FROM console.rcs_bots WHERE handle = 'sealed-bot'")
    secret = box.open(row["api_key"])  # the secret the RBM platform answered the agent's creation with
    assert secret.startswith("rbm-secret-") and secret not in row["api_key"]
    assert created.json()["apiKey"].endswith(secret[-4:]) and secret not in created.json()["apiKey"]

    # a value written before encryption is sealed at the console's next start
    await pool.execute("UPDATE console.rcs_bots SET api_key = 'legacy-plain-9876' WHERE handle = 'sealed-bot'")
    assert await console.app.state.store.channels.seal_credentials() == 1
    row = await pool.fetchrow("SELECT api_key FROM console.rcs_bots WHERE handle = 'sealed-bot'")
    assert box.open(row["api_key"]) == "legacy-plain-9876"
    bots = {b["handle"]: b for b in (await client.get("/api/channels/rcs")).json()}
    assert bots["sealed-bot"]["apiKey"].endswith("9876") and "legacy" not in bots["sealed-bot"]["apiKey"]
