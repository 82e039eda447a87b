"""Every account a tenant of every channel (issue 19 point 1): its own webhook signing
secret, rotatable with a grace period; WhatsApp numbers an admin links, registered with the
Cloud API (the sandbox's); the demo number registered the same way at the console's start."""

import json
from datetime import UTC, datetime, timedelta

from cpaas.control_plane import ControlPlane
from cpaas.platform.secretbox import SecretBox

NUMBER = {
    "phoneNumber": "+91 90000 55501",
    "displayName": "Acme Support",
    "wabaId": "204455667788990",
    "phoneNumberId": "305566778899001",
    "accessToken": "local-dev-wa-token",  # a token the sandbox's Graph API accepts
}


async def new_account(console, username: str) -> dict:
    admin = await console.admin()
    created = await admin.post("/api/admin/users", json={"username": username, "accountName": f"{username} Ltd"})
    assert created.status_code == 201, created.text
    return created.json()


async def test_a_new_account_gets_its_own_sealed_secret_shown_once_then_masked(console) -> None:
    created = await new_account(console, "acme_ops")
    secret = created["webhookSecret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    other = await new_account(console, "globex_ops")
    assert other["webhookSecret"] != secret  # each account its own

    pool, box = console.app.state.store.pool, console.app.state.store.channels.box
    stored = await pool.fetchval("SELECT webhook_secret FROM console.accounts WHERE id = $1", created["accountId"])
    assert stored.startswith("enc:v1:") and secret not in stored and box.open(stored) == secret

    user = await console.login("acme_ops", created["password"])
    shown = (await user.get("/api/settings")).json()["webhookSecret"]
    assert shown == "whsec_" + "•" * 8 + secret[-4:]
    detail = (await user.get("/api/settings/webhook-secret")).json()
    assert detail == {"webhookSecret": shown, "rotatedAt": None, "previousValidUntil": None}


async def test_a_rotated_secret_is_shown_once_and_the_old_one_signs_too_for_the_grace_period(console) -> None:
    created = await new_account(console, "acme_ops")
    user = await console.login("acme_ops", created["password"])
    rotated = await user.post("/api/settings/webhook-secret/rotate")
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["webhookSecret"]
    until = datetime.fromisoformat(rotated.json()["previousValidUntil"])
    assert new_secret != created["webhookSecret"]
    assert abs(until - (datetime.now(UTC) + timedelta(hours=24))) < timedelta(minutes=1)  # the README's 24 h
    detail = (await user.get("/api/settings/webhook-secret")).json()
    assert detail["webhookSecret"].endswith(new_secret[-4:]) and new_secret not in str(detail)
    assert datetime.fromisoformat(detail["previousValidUntil"]) == until

    # what the webhooks service reads (the control plane, opening with the shared key)
    reader = ControlPlane(
        console.app.state.store.pool, ttl_seconds=60, open_secret=SecretBox("local-dev-secrets-key").open
    )
    account = await reader.account(created["accountId"])
    assert account.signing_secrets(datetime.now(UTC)) == (new_secret, created["webhookSecret"])
    assert account.signing_secrets(until + timedelta(seconds=1)) == (new_secret,)  # the grace period is over

    # a second rotation ends the first one's grace at once: never more than two secrets
    third = (await user.post("/api/settings/webhook-secret/rotate")).json()["webhookSecret"]
    reader.clear()
    account = await reader.account(created["accountId"])
    assert account.signing_secrets(datetime.now(UTC)) == (third, new_secret)


async def test_without_a_csrf_token_nothing_is_rotated(console) -> None:
    user = await console.user()
    user.headers.pop("X-CSRF-Token")
    assert (await user.post("/api/settings/webhook-secret/rotate")).status_code == 403


async def test_an_admin_links_a_whatsapp_number_registered_with_the_cloud_api(console) -> None:
    created = await new_account(console, "acme_ops")
    account_id = created["accountId"]
    admin = await console.admin()
    cloud = console.providers["whatsapp"].state.cloud
    assert NUMBER["phoneNumberId"] not in cloud.phone_numbers

    linked = await admin.post(f"/api/admin/accounts/{account_id}/whatsapp-numbers", json=NUMBER)
    assert linked.status_code == 201, linked.text
    number = linked.json()
    assert (number["phoneNumber"], number["status"], number["accountId"]) == ("+919000055501", "ACTIVE", account_id)
    assert (
        number["registeredAt"] is not None and number["apiKey"].endswith("oken") and "local-dev" not in number["apiKey"]
    )
    assert NUMBER["phoneNumberId"] in cloud.phone_numbers  # Meta's POST /{phone_number_id}/register happened

    stored = await console.app.state.store.pool.fetchval(
        "SELECT api_key FROM console.waba_numbers WHERE id = $1", number["id"]
    )
    assert stored.startswith("enc:v1:") and NUMBER["accessToken"] not in stored  # sealed at rest

    user = await console.login("acme_ops", created["password"])
    [listed] = (await user.get("/api/channels/whatsapp")).json()  # the account's Channels page
    assert (listed["phoneNumber"], listed["status"]) == ("+919000055501", "ACTIVE")
    assert [n["id"] for n in (await admin.get(f"/api/admin/accounts/{account_id}/whatsapp-numbers")).json()] == [
        number["id"]
    ]
    demo_numbers = (await (await console.user()).get("/api/channels/whatsapp")).json()
    assert "+919000055501" not in [n["phoneNumber"] for n in demo_numbers]  # per-account

    switched = await admin.put(
        f"/api/admin/accounts/{account_id}/whatsapp-numbers/{number['id']}/status", json={"status": "INACTIVE"}
    )
    assert switched.status_code == 200 and switched.json()["status"] == "INACTIVE"
    assert (await user.get("/api/channels/whatsapp")).json()[0]["status"] == "INACTIVE"
    wrong_account = await admin.put(
        f"/api/admin/accounts/{console.creds['accountId']}/whatsapp-numbers/{number['id']}/status",
        json={"status": "ACTIVE"},
    )
    assert wrong_account.status_code == 404


async def test_a_number_the_provider_refuses_is_not_linked(console) -> None:
    created = await new_account(console, "acme_ops")
    admin = await console.admin()
    url = f"/api/admin/accounts/{created['accountId']}/whatsapp-numbers"
    refused = await admin.post(url, json={**NUMBER, "accessToken": "not-a-meta-token"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "CHANNEL_NOT_CONFIGURED" and "Invalid OAuth access token" in error["message"]
    assert (await admin.get(url)).json() == []  # nothing stored

    assert (await admin.post(url, json={**NUMBER, "phoneNumberId": "12ab"})).json()["error"]["field"] == "phoneNumberId"
    assert (await admin.post(url, json={**NUMBER, "phoneNumber": "12"})).json()["error"]["field"] == "phoneNumber"
    assert (await admin.post(url, json=NUMBER)).status_code == 201
    again = await admin.post(url, json=NUMBER)
    assert again.status_code == 409 and again.json()["error"]["field"] == "phoneNumber"
    assert (await admin.post("/api/admin/accounts/999999/whatsapp-numbers", json=NUMBER)).status_code == 404

    user = await console.user()
    assert (await user.post(url, json=NUMBER)).status_code == 403  # admins only


async def test_the_seeded_demo_number_is_registered_at_the_console_start(console) -> None:
    cloud = console.providers["whatsapp"].state.cloud
    demo = await console.app.state.store.pool.fetchrow(
        "SELECT phone_number_id, registered_at FROM console.waba_numbers WHERE account_id = $1",
        console.creds["accountId"],
    )
    assert demo["phone_number_id"] in cloud.phone_numbers and demo["registered_at"] is not None


async def test_the_template_list_shows_an_identity_for_every_channel(console) -> None:
    client = await console.user()
    voice = {"name": "voice_code", "channel": "VOICE", "templateType": "TTS", "body": "Your code is {{1}}."}
    assert (await client.post("/api/templates", json=voice)).status_code == 201
    items = (await client.get("/api/templates", params={"pageSize": 50})).json()["items"]
    identities = {t["channel"]: t["identity"] for t in items}
    assert identities == {
        "SMS": "CPAASD",  # the demo account's approved sender ID
        "WHATSAPP": "+919000000001",
        "RCS": "CPaaS Demo",
        "VOICE": "+919000000002",  # the voice connector's caller ID (CPAAS_CONSOLE_VOICE_CALLER_ID)
    }
    await client.post("/api/sender-ids", json={"senderId": "SHOPPY", "peId": "1101000000000002"})
    sms = (await client.get("/api/templates", params={"channel": "SMS"})).json()["items"][0]
    assert sms["identity"] == "CPAASD"  # a PENDING sender ID is no identity yet


async def test_make_runs_credentials_file_follows_a_rotation_of_the_demo_account(console, tmp_path) -> None:
    path = tmp_path / "demo-credentials.json"
    path.write_text(json.dumps(console.creds))
    console.app.state.settings.demo_credentials_file = path  # what `make run` sets
    user = await console.user()
    key = (await user.post("/api/settings/api-key/rotate")).json()["apiKey"]
    secret = (await user.post("/api/settings/webhook-secret/rotate")).json()["webhookSecret"]
    written = json.loads(path.read_text())
    assert (written["apiKey"], written["webhookSecret"]) == (key, secret)
    assert written["user"] == console.creds["user"] and path.stat().st_mode & 0o777 == 0o600

    other = await new_account(console, "acme_ops")  # another account's rotation leaves the file alone
    acme = await console.login("acme_ops", other["password"])
    await acme.post("/api/settings/api-key/rotate")
    assert json.loads(path.read_text())["apiKey"] == key
