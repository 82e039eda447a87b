"""The audit log: every admin action and security-relevant event recorded, append-only, with
its actor, account, time, client address and what changed; admins read every account's,
a user only their own account's."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest


async def audit(client, path: str = "/api/admin/audit", **params) -> dict:
    response = await client.get(path, params={"pageSize": 100, **params})
    assert response.status_code == 200, response.text
    return response.json()


def by_action(page: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in page["items"]:
        found.setdefault(entry["action"], []).append(entry)
    return found


async def new_tenant(admin, username: str = "acme_ops", name: str = "Acme Retail") -> tuple[int, str]:
    created = await admin.post("/api/admin/users", json={"username": username, "accountName": name})
    assert created.status_code == 201, created.text
    return created.json()["accountId"], created.json()["password"]


async def test_every_kind_of_event_is_recorded_with_actor_account_address_and_changes(console) -> None:
    admin = await console.admin()
    account, password = await new_tenant(admin)
    failed = console.client()
    assert (await failed.post("/api/auth/login", json={"username": "acme_ops", "password": "wrong"})).status_code == 401
    user = await console.login("acme_ops", password)
    assert (await user.post("/api/settings/api-key/rotate")).status_code == 200
    assert (await user.put("/api/settings/webhook", json={"url": "https://93.184.216.34/dlr"})).status_code == 200
    assert (await user.put("/api/settings/ip-allowlist", json={"entries": ["203.0.113.7"]})).status_code == 200
    assert (await user.put("/api/settings/time-zone", json={"timeZone": "Europe/London"})).status_code == 200
    sender = (await user.post("/api/sender-ids", json={"senderId": "ACMERT", "peId": "1101000000000003"})).json()
    refused = (await user.post("/api/sender-ids", json={"senderId": "ACMEXX", "peId": "1101000000000004"})).json()
    approve, reject = {"decision": "APPROVE"}, {"decision": "REJECT", "reason": "brand not verified"}
    assert (await admin.post(f"/api/admin/approvals/sender-ids/{sender['id']}", json=approve)).status_code == 204
    assert (await admin.post(f"/api/admin/approvals/sender-ids/{refused['id']}", json=reject)).status_code == 204
    credit = {"amountMinor": 5000, "reason": "welcome credit"}
    assert (await admin.post(f"/api/admin/accounts/{account}/balance-adjustments", json=credit)).status_code == 201
    second = (await admin.post("/api/admin/users", json={"username": "acme_two", "accountId": account})).json()
    assert (await admin.post(f"/api/admin/users/{second['userId']}/deactivate")).status_code == 204
    assert (await admin.post(f"/api/admin/users/{second['userId']}/activate")).status_code == 204
    assert (await admin.post(f"/api/admin/users/{second['userId']}/reset-password")).status_code == 200
    assert (await user.post("/api/auth/logout")).status_code == 204

    page = await audit(admin, accountId=account)
    found = by_action(page)
    expected = {
        "account.created",
        "user.created",
        "auth.login_failed",
        "auth.login_succeeded",
        "account.api_key_rotated",
        "account.webhook_url_changed",
        "account.ip_allowlist_changed",
        "account.time_zone_changed",
        "approval.approved",
        "approval.rejected",
        "billing.balance_adjusted",
        "user.deactivated",
        "user.activated",
        "user.password_reset",
        "auth.logged_out",
    }
    assert expected <= set(found), expected - set(found)
    assert {e["accountId"] for e in page["items"]} == {account}
    [login_failed] = found["auth.login_failed"]
    assert (login_failed["actor"], login_failed["actorUserId"]) == ("acme_ops", None)
    assert login_failed["changes"] == {"reason": "wrong password"} and login_failed["clientAddress"]
    [rotated] = found["account.api_key_rotated"]
    assert rotated["actor"] == "acme_ops" and rotated["changes"]["revokedKeyPrefix"]
    [zone] = found["account.time_zone_changed"]
    assert zone["changes"] == {"timeZone": {"from": "Asia/Kolkata", "to": "Europe/London"}}
    [rejected] = found["approval.rejected"]
    assert rejected["actor"] == console.creds["admin"]["username"]
    assert rejected["changes"]["reason"] == "brand not verified" and rejected["changes"]["name"] == "ACMEXX"
    [credited] = found["billing.balance_adjusted"]
    assert credited["changes"]["amountMinor"] == 5000 and credited["changes"]["balanceAfterMinor"] == 5000
    [deactivated] = found["user.deactivated"]
    assert deactivated["changes"]["active"] == {"from": True, "to": False}
    assert "password" not in str(found["user.password_reset"][0]["changes"]).lower().replace("password_reset", "")
    assert found["account.created"][0]["changes"]["name"] == "Acme Retail"
    at = datetime.fromisoformat(page["items"][0]["at"])
    assert at.utcoffset() == timedelta(0) and abs(datetime.now(UTC) - at) < timedelta(minutes=1)


async def test_a_failed_login_of_an_unknown_username_is_recorded_for_the_admin(console) -> None:
    client = console.client()
    response = await client.post("/api/auth/login", json={"username": "nobody_here", "password": "x"})
    assert response.status_code == 401
    admin = await console.admin()
    [entry] = (await audit(admin, actor="nobody_here"))["items"]
    assert (entry["action"], entry["accountId"], entry["changes"]) == (
        "auth.login_failed",
        None,
        {"reason": "unknown username"},
    )


async def test_a_user_sees_only_their_own_accounts_entries(console) -> None:
    admin = await console.admin()
    acme_account, password = await new_tenant(admin)
    acme = await console.login("acme_ops", password)
    await acme.post("/api/settings/api-key/rotate")
    demo = await console.user()
    await demo.put("/api/settings/ip-allowlist", json={"entries": ["10.0.0.0/8"]})

    own = await audit(demo, "/api/account/audit")
    assert own["items"] and {e["accountId"] for e in own["items"]} == {console.creds["accountId"]}
    assert "account.api_key_rotated" not in {e["action"] for e in own["items"]}
    theirs = await audit(acme, "/api/account/audit")
    assert {e["accountId"] for e in theirs["items"]} == {acme_account}
    assert "account.ip_allowlist_changed" not in {e["action"] for e in theirs["items"]}
    assert (await demo.get("/api/admin/audit")).status_code == 403
    assert (await demo.get("/api/admin/audit", params={"accountId": acme_account})).status_code == 403


async def test_admins_filter_by_actor_action_area_and_time_and_page(console) -> None:
    admin = await console.admin()
    for n in range(3):
        await new_tenant(admin, f"tenant_{n}", f"Tenant {n}")
    created = await audit(admin, action="account.created")
    assert created["total"] == 3 and [e["changes"]["name"] for e in created["items"]] == [
        "Tenant 2",
        "Tenant 1",
        "Tenant 0",
    ]  # newest first
    area = await audit(admin, action="user", actor=console.creds["admin"]["username"])  # the seed's are "system"'s
    assert {e["action"] for e in area["items"]} == {"user.created"} and area["total"] == 3
    mine = await audit(admin, actor=console.creds["admin"]["username"][:4])
    assert mine["total"] >= 7  # the admin's own login and the six creations
    paged = await admin.get("/api/admin/audit", params={"action": "account.created", "pageSize": 2, "page": 2})
    assert [e["changes"]["name"] for e in paged.json()["items"]] == ["Tenant 0"]
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert (await audit(admin, **{"from": future}))["total"] == 0
    assert (await audit(admin, to=future, action="account.created"))["total"] == 3
    bad = await admin.get("/api/admin/audit", params={"from": future, "to": datetime.now(UTC).isoformat()})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "from"
    bad = await admin.get("/api/admin/audit", params={"action": "x; drop"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "action"


async def test_the_audit_log_refuses_update_delete_and_truncate(console) -> None:
    admin = await console.admin()  # its login is an entry
    pool = console.app.state.store.pool
    before = await pool.fetch("SELECT * FROM console.audit_log ORDER BY id")
    assert before
    for statement in (
        "UPDATE console.audit_log SET actor = 'someone else'",
        "DELETE FROM console.audit_log",
        "TRUNCATE console.audit_log",
    ):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await pool.execute(statement)
    assert await pool.fetch("SELECT * FROM console.audit_log ORDER BY id") == before
    assert (await audit(admin))["total"] == len(before)


async def test_the_billing_page_lists_the_accounts_prices_per_channel_category_and_type(console) -> None:
    client = await console.user()
    response = await client.get("/api/billing/prices")
    assert response.status_code == 200, response.text
    prices = response.json()
    whatsapp = {p["category"]: p["amountMinor"] for p in prices["items"] if p["channel"] == "WHATSAPP"}
    assert whatsapp == {"UIC": 35, "MIC": 80, "SIC": 30, "Auth": 15, "Auth INT": 120}
    assert {p["messageType"] for p in prices["items"] if p["channel"] == "RCS"} == {"Text", "Rich card", "Carousel"}
    assert prices["currency"] == "INR" and all(p["currency"] == "INR" for p in prices["items"])
    service = {"name": "order_help", "channel": "WHATSAPP", "category": "SERVICE", "body": "Hi {{1}}, how can we help?"}
    created = await client.post("/api/templates", json=service)
    assert created.status_code == 201, created.text
    assert created.json()["category"] == "SERVICE"
