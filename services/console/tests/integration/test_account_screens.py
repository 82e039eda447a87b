"""Sender IDs, Channels, Blacklist and Settings of the logged-in user's account."""

from cpaas.console.security import hash_api_key


async def test_a_sender_id_request_goes_pending_and_is_validated(console) -> None:
    client = await console.user()
    response = await client.post("/api/sender-ids", json={"senderId": "MYBRAND", "peId": "1101000000000001"})
    assert response.status_code == 201 and response.json()["status"] == "PENDING"
    too_long = await client.post("/api/sender-ids", json={"senderId": "MY BRAND NAME", "peId": "1"})
    assert too_long.status_code == 422 and too_long.json()["error"]["field"] == "senderId"
    again = await client.post("/api/sender-ids", json={"senderId": "MYBRAND", "peId": "1101000000000001"})
    assert again.status_code == 409
    listed = {s["senderId"]: s["status"] for s in (await client.get("/api/sender-ids")).json()}
    assert listed == {"MYBRAND": "PENDING", "CPAASD": "APPROVED"}


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
    assert await console.app.state.store.active_key_hash(console.creds["accountId"]) == hash_api_key(new_key)
    assert (await client.get("/api/settings")).json()["apiKeyPrefix"] == new_key[:10]


async def test_webhook_url_and_ip_allowlist_are_validated_and_saved(console) -> None:
    client = await console.user()
    bad = await client.put("/api/settings/webhook", json={"url": "ftp://example.com/x"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "url"
    saved = (await client.put("/api/settings/webhook", json={"url": "https://example.com/dlr"})).json()
    assert saved["webhookUrl"] == "https://example.com/dlr" and saved["webhookSecret"] == console.creds["webhookSecret"]
    bad = await client.put("/api/settings/ip-allowlist", json={"entries": ["10.0.0.0/8", "not-an-ip"]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "entries.1"
    saved = (await client.put("/api/settings/ip-allowlist", json={"entries": ["10.1.2.3/8", " 203.0.113.7 "]})).json()
    assert saved["ipAllowlist"] == ["10.0.0.0/8", "203.0.113.7"]
