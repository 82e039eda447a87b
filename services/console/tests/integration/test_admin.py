"""Admin: the approvals queue, user management, balance adjustments through billing."""

import asyncio
import re

import httpx

WHATSAPP = {
    "name": "promo_offer",
    "channel": "WHATSAPP",
    "category": "MARKETING",
    "body": "Hi {{1}}, 20% off today.",
}


async def test_a_user_cannot_use_admin_endpoints(console) -> None:
    client = await console.user()
    assert (await client.get("/api/admin/approvals")).status_code == 403
    assert (await client.get("/api/admin/users")).status_code == 403


async def test_admin_rejects_with_a_reason_the_user_sees_and_approves_after_resubmit(console) -> None:
    user, admin = await console.user(), await console.admin()
    template = (await user.post("/api/templates", json=WHATSAPP)).json()
    await user.post("/api/sender-ids", json={"senderId": "SHOPPY", "peId": "1101000000000002"})
    queue = (await admin.get("/api/admin/approvals")).json()
    assert {(a["kind"], a["name"]) for a in queue["items"]} == {("templates", "promo_offer"), ("sender-ids", "SHOPPY")}
    assert queue["total"] == 2
    no_reason = await admin.post(f"/api/admin/approvals/templates/{template['id']}", json={"decision": "REJECT"})
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    reject = {"decision": "REJECT", "reason": "Marketing content needs an opt-out footer"}
    assert (await admin.post(f"/api/admin/approvals/templates/{template['id']}", json=reject)).status_code == 204
    seen = (await user.get(f"/api/templates/{template['id']}")).json()
    assert seen["status"] == "REJECTED" and seen["statusReason"] == "Marketing content needs an opt-out footer"
    edit = {"body": WHATSAPP["body"], "category": "MARKETING", "content": {"footer": "Reply STOP to opt out"}}
    assert (await user.put(f"/api/templates/{template['id']}", json=edit)).json()["status"] == "PENDING"
    approve = {"decision": "APPROVE"}
    assert (await admin.post(f"/api/admin/approvals/templates/{template['id']}", json=approve)).status_code == 204
    assert (await user.get(f"/api/templates/{template['id']}")).json()["status"] == "APPROVED"
    again = await admin.post(f"/api/admin/approvals/templates/{template['id']}", json=approve)
    assert again.status_code == 404
    [sender] = (await admin.get("/api/admin/approvals", params={"kind": "sender-ids"})).json()["items"]
    reject = {"decision": "REJECT", "reason": "PE ID not found on DLT"}
    assert (await admin.post(f"/api/admin/approvals/sender-ids/{sender['id']}", json=reject)).status_code == 204
    listed = (await user.get("/api/sender-ids")).json()["items"]
    statuses = {s["senderId"]: (s["status"], s["statusReason"]) for s in listed}
    assert statuses["SHOPPY"] == ("REJECTED", "PE ID not found on DLT")


async def test_an_rcs_bot_request_is_activated_by_the_admin(console) -> None:
    """The request creates the agent on the RBM platform; the admin's activation launches it
    there, which RBM allows once it verified the agent (until then: 422 with RBM's reason)."""
    user, admin = await console.user(), await console.admin()
    bot = (await user.post("/api/channels/rcs", json={"displayName": "Shop", "handle": "shop-bot"})).json()
    rbm = console.providers["rbm"].state.rbm
    assert bot["botId"] in rbm.agents and bot["botId"] not in rbm.launched  # created there, not launched
    async with asyncio.timeout(5):
        while True:
            decided = await admin.post(f"/api/admin/approvals/rcs-bots/{bot['id']}", json={"decision": "APPROVE"})
            if decided.status_code == 204:
                break
            assert decided.status_code == 422 and "verification is PENDING" in decided.json()["error"]["message"]
            await asyncio.sleep(0.05)
    assert bot["botId"] in rbm.launched
    bots = {b["handle"]: b["status"] for b in (await user.get("/api/channels/rcs")).json()}
    assert bots["shop-bot"] == "ACTIVE"


async def test_the_approvals_queue_is_filtered_searched_and_paged_by_the_server(console) -> None:
    user, admin = await console.user(), await console.admin()
    other = (await admin.post("/api/admin/users", json={"username": "acme_ops", "accountName": "Acme Retail"})).json()
    acme = await console.login("acme_ops", other["password"])
    assert (await user.post("/api/templates", json=WHATSAPP)).status_code == 201
    await user.post("/api/sender-ids", json={"senderId": "SHOPPY", "peId": "1101000000000002"})
    await acme.post("/api/sender-ids", json={"senderId": "ACMERT", "peId": "1101000000000003"})
    await acme.post("/api/channels/rcs", json={"displayName": "Acme_Bot", "handle": "acme-bot"})

    async def queue(**params) -> dict:
        response = await admin.get("/api/admin/approvals", params=params)
        assert response.status_code == 200, response.text
        return response.json()

    everything = await queue()
    names = [a["name"] for a in everything["items"]]
    assert names == ["promo_offer", "SHOPPY", "ACMERT", "Acme_Bot"] and everything["total"] == 4  # oldest first
    senders = await queue(kind="sender-ids")
    assert [a["name"] for a in senders["items"]] == ["SHOPPY", "ACMERT"] and senders["total"] == 2
    assert [a["detail"] for a in senders["items"]] == ["PE ID 1101000000000002", "PE ID 1101000000000003"]
    [bot] = (await queue(kind="rcs-bots"))["items"]
    assert (bot["name"], bot["channel"], bot["accountName"]) == ("Acme_Bot", "RCS", "Acme Retail")
    assert re.fullmatch(r"@acme-bot \(acme_bot_[0-9a-f]{8}_agent\)", bot["detail"])  # the agent id RBM gave it
    [template] = (await queue(kind="templates"))["items"]
    assert (template["name"], template["channel"], template["detail"]) == ("promo_offer", "WHATSAPP", WHATSAPP["body"])
    by_account = await queue(search="acme retail")  # by account name, case-insensitive
    assert [a["name"] for a in by_account["items"]] == ["ACMERT", "Acme_Bot"] and by_account["total"] == 2
    assert [a["name"] for a in (await queue(search="shop"))["items"]] == ["SHOPPY"]  # by name
    assert [a["name"] for a in (await queue(search="acme", kind="rcs-bots"))["items"]] == ["Acme_Bot"]
    assert [a["name"] for a in (await queue(search="_"))["items"]] == ["promo_offer", "Acme_Bot"]  # no wildcard
    assert (await queue(search="%"))["total"] == 0
    first, second = await queue(pageSize=3), await queue(pageSize=3, page=2)
    assert [a["name"] for a in first["items"] + second["items"]] == names
    assert first["total"] == second["total"] == 4 and (second["page"], second["pageSize"]) == (2, 3)
    assert (await queue(page=5))["items"] == []
    assert (await admin.get("/api/admin/approvals", params={"kind": "users"})).status_code == 422
    assert (await admin.get("/api/admin/approvals", params={"pageSize": 0})).status_code == 422
    # a decided item leaves the queue
    approve = {"decision": "APPROVE"}
    async with asyncio.timeout(5):  # RBM launches the agent once it verified it (50 ms here): until then 422
        while (
            decided := await admin.post(f"/api/admin/approvals/rcs-bots/{bot['id']}", json=approve)
        ).status_code != 204:
            assert decided.status_code == 422 and "verification is PENDING" in decided.json()["error"]["message"]
            await asyncio.sleep(0.05)
    assert (await queue(kind="rcs-bots"))["total"] == 0 and (await queue())["total"] == 3


async def test_admin_creates_deactivates_and_resets_a_user(console) -> None:
    admin = await console.admin()
    created = await admin.post("/api/admin/users", json={"username": "newbie", "accountName": "Newco"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["apiKey"].startswith("cpk_") and body["password"]
    newbie = await console.login("newbie", body["password"])
    assert (await newbie.get("/api/auth/me")).json()["user"]["accountId"] == body["accountId"]
    assert (await admin.post(f"/api/admin/users/{body['userId']}/deactivate")).status_code == 204
    assert (await newbie.get("/api/auth/me")).status_code == 401
    response = await console.client().post("/api/auth/login", json={"username": "newbie", "password": body["password"]})
    assert response.status_code == 403
    await admin.post(f"/api/admin/users/{body['userId']}/activate")
    reset = (await admin.post(f"/api/admin/users/{body['userId']}/reset-password")).json()
    await console.login("newbie", reset["password"])
    users = {u["username"]: u for u in (await admin.get("/api/admin/users")).json()["items"]}
    assert users["newbie"]["active"] is True and users["newbie"]["locked"] is False and "demo" in users
    found = (await admin.get("/api/admin/users", params={"search": "newc"})).json()  # by account name
    assert [u["username"] for u in found["items"]] == ["newbie"] and found["total"] == 1
    first = (await admin.get("/api/admin/users", params={"pageSize": 1})).json()
    assert len(first["items"]) == 1 and first["total"] == len(users)
    accounts = {a["name"]: a for a in (await admin.get("/api/admin/accounts")).json()}
    assert accounts["Newco"]["users"] == 1 and accounts["Newco"]["id"] == body["accountId"]


async def test_a_taken_username_creates_no_account(console) -> None:
    admin = await console.admin()
    before = len((await admin.get("/api/admin/accounts")).json())
    taken = await admin.post("/api/admin/users", json={"username": "demo", "accountName": "Orphan Ltd"})
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "username"
    accounts = (await admin.get("/api/admin/accounts")).json()
    assert len(accounts) == before and "Orphan Ltd" not in {a["name"] for a in accounts}


async def test_balance_adjustment_lands_in_billings_ledger_with_its_reason_and_actor(console) -> None:
    admin = await console.admin()
    account = console.creds["accountId"]
    path = f"/api/admin/accounts/{account}/balance-adjustments"
    assert (await admin.post(path, json={"amountMinor": 5000, "reason": " "})).status_code == 422
    response = await admin.post(path, json={"amountMinor": 5000, "reason": "Top-up"})
    assert response.status_code == 201, response.text
    headers = {"X-Service-Token": "local-dev-service-token"}
    log = (await console.billing.get(f"/api/v1/billing/accounts/{account}/transactions", headers=headers)).json()
    [entry] = log["items"]
    assert (entry["kind"], entry["amountMinor"], entry["reason"], entry["actor"]) == ("CREDIT", 5000, "Top-up", "admin")
    assert response.json()["balanceAfterMinor"] == 5000


async def test_a_credit_to_an_account_that_does_not_exist_is_404_and_writes_nothing(console) -> None:
    admin = await console.admin()
    missing = 1 + await console.app.state.store.pool.fetchval("SELECT max(id) FROM accounts")
    for account in (missing, 2**63 - 1):
        response = await admin.post(
            f"/api/admin/accounts/{account}/balance-adjustments", json={"amountMinor": 5000, "reason": "Top-up"}
        )
        assert response.status_code == 404, response.text
        assert response.json()["error"]["code"] == "NOT_FOUND" and response.json()["error"]["field"] == "accountId"
    assert await console.app.state.store.pool.fetchval("SELECT count(*) FROM billing.ledger") == 0
    assert (
        await console.app.state.store.pool.fetchval(
            "SELECT count(*) FROM billing.balances WHERE account_id = $1", missing
        )
        == 0
    )
    too_large = await admin.post(
        f"/api/admin/accounts/{2**63}/balance-adjustments", json={"amountMinor": 1, "reason": "x"}
    )
    assert too_large.status_code == 422 and too_large.json()["error"]["field"] == "account_id"


async def test_a_username_under_attack_shows_as_locked_until_its_password_is_reset(console) -> None:
    for n in range(20):  # login_username_free_failures, from 20 addresses
        transport = httpx.ASGITransport(app=console.app, client=(f"198.51.100.{n}", 1))
        async with httpx.AsyncClient(transport=transport, base_url="http://console.test") as client:
            await client.post("/api/auth/login", json={"username": "demo", "password": "guess-guess"})
    admin = await console.admin()
    users = {u["username"]: u for u in (await admin.get("/api/admin/users")).json()["items"]}
    assert users["demo"]["locked"] is True
    await admin.post(f"/api/admin/users/{users['demo']['id']}/reset-password")
    users = {u["username"]: u for u in (await admin.get("/api/admin/users")).json()["items"]}
    assert users["demo"]["locked"] is False


async def test_a_retried_adjustment_with_its_key_credits_once(console) -> None:
    admin = await console.admin()
    path = f"/api/admin/accounts/{console.creds['accountId']}/balance-adjustments"
    body = {"amountMinor": 700, "reason": "Goodwill"}
    first = await admin.post(path, json=body, headers={"Idempotency-Key": "submit-1"})
    again = await admin.post(path, json=body, headers={"Idempotency-Key": "submit-1"})
    assert first.status_code == 201 and again.status_code in (200, 201)
    assert again.json()["id"] == first.json()["id"]
    other = await admin.post(path, json=body, headers={"Idempotency-Key": "submit-2"})
    assert other.json()["balanceAfterMinor"] == 1400


async def test_billing_shows_the_callers_own_balance_and_transactions(console) -> None:
    admin = await console.admin()
    account = console.creds["accountId"]
    await admin.post(f"/api/admin/accounts/{account}/balance-adjustments", json={"amountMinor": 123456, "reason": "x"})
    user = await console.user()
    body = (await user.get("/api/billing")).json()
    assert body["balance"]["balanceMinor"] == 123456 and body["transactions"]["total"] == 1
