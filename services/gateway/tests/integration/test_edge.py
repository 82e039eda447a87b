"""The gateway as the public API edge: one base URL and one API key for templates, sender
IDs, the blacklist, the balance and transactions, campaigns, the compliance check and AI
Assist. Every service that answers is its own real app served over HTTP (console and
campaigns on their internal listeners, billing, ai) on the real Kafka and PostgreSQL;
the tenants are created through the console's admin API, never by SQL."""

import asyncio
import csv
import io
import tracemalloc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from cpaas.ai.app import build_app as ai_app
from cpaas.ai.settings import AiSettings
from cpaas.billing.app import build_app as billing_app
from cpaas.billing.settings import BillingSettings
from cpaas.campaigns.app import build_app as campaigns_app
from cpaas.campaigns.settings import CampaignsSettings
from cpaas.console.app import build_app as console_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings
from cpaas.gateway.app import build_app as gateway_app
from cpaas.gateway.settings import GatewaySettings
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings
from cpaas.sandbox.rbm import RbmSandboxSettings, build_rbm_app

WAIT_SECONDS = 30  # generous: the machine running the tests may be loaded
PE_ID = "1101456789012345678"


@dataclass
class Edge:
    gateway: httpx.AsyncClient  # the public API, no key of its own
    console: httpx.AsyncClient  # the console, logged in as the admin
    csrf: str
    urls: dict[str, str]

    async def tenant(self, name: str) -> dict:
        """A new account and its first user, as an admin creates them in User Management."""
        created = await self.console.post(
            "/api/admin/users",
            json={"username": f"{name}_ops", "accountName": name, "role": "user"},
            headers={"X-CSRF-Token": self.csrf},
        )
        assert created.status_code == 201, created.text
        return created.json()

    async def admin(self, path: str, body: dict) -> httpx.Response:
        return await self.console.post(path, json=body, headers={"X-CSRF-Token": self.csrf})


def api(key: str) -> dict[str, str]:
    return {"X-API-Key": key}


@asynccontextmanager
async def edge_platform(pg: PostgresSettings, kafka: KafkaSettings, tmp_path: Path) -> AsyncIterator[Edge]:
    creds = await seed(pg, tmp_path / "creds.json")  # the admin login, as `make run` bootstraps it
    common = {"kafka": kafka, "postgres": pg}
    names = ("console", "console_in", "billing", "campaigns", "campaigns_in", "ai", "rbm")
    socks = {n: bind_socket() for n in names}
    url = {n: f"http://127.0.0.1:{s.getsockname()[1]}" for n, s in socks.items()}
    console = console_app(
        ConsoleSettings(**common, billing_url=url["billing"], ai_url=url["ai"], rbm_api_url=url["rbm"])
    )
    # the sandbox's RBM platform, where a requested RCS bot is registered
    rbm = build_rbm_app(RbmSandboxSettings(webhook_url=f"{url['rbm']}/nowhere", review_delay_seconds=0.05))
    gateway = gateway_app(
        GatewaySettings(
            **common,
            campaigns_url=url["campaigns_in"],
            console_internal_url=url["console_in"],
            billing_url=url["billing"],
            ai_url=url["ai"],
        )
    )
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(serving(rbm, socks["rbm"]))
        await stack.enter_async_context(serving(billing_app(BillingSettings(**common)), socks["billing"]))
        await stack.enter_async_context(serving(console, socks["console"], internal_sock=socks["console_in"]))
        await stack.enter_async_context(
            serving(campaigns_app(CampaignsSettings(**common)), socks["campaigns"], internal_sock=socks["campaigns_in"])
        )
        await stack.enter_async_context(serving(ai_app(AiSettings()), socks["ai"]))
        gateway_port = await stack.enter_async_context(serving(gateway, bind_socket()))
        url["gateway"] = f"http://127.0.0.1:{gateway_port}"
        public = await stack.enter_async_context(httpx.AsyncClient(base_url=url["gateway"], timeout=10))
        admin = await stack.enter_async_context(httpx.AsyncClient(base_url=url["console"], timeout=10))
        login = await admin.post("/api/auth/login", json=creds["admin"])
        assert login.status_code == 200, login.text
        yield Edge(public, admin, login.json()["csrfToken"], url)


async def eventually(fetch, done, what: str):
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        answer = await fetch()
        if done(answer):
            return answer
        assert asyncio.get_running_loop().time() < deadline, f"not in {WAIT_SECONDS} s: {what}"
        await asyncio.sleep(0.1)


def assert_error(response: httpx.Response, status: int, code: str, field: str | None = None) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"], error
    if field is not None:
        assert error["field"] == field, error


async def test_an_api_client_automates_an_account_with_one_key_on_the_gateway(
    pg_settings: PostgresSettings, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    async with edge_platform(pg_settings, kafka_settings, tmp_path) as edge:
        acme, other = await edge.tenant("acme"), await edge.tenant("globex")
        key, gw = api(acme["apiKey"]), edge.gateway
        credit = await edge.admin(
            f"/api/admin/accounts/{acme['accountId']}/balance-adjustments", {"amountMinor": 50_000, "reason": "opening"}
        )
        assert credit.status_code == 201, credit.text

        # sender ID: requested PENDING through the API, approved by the admin, listed APPROVED
        asked = await gw.post("/api/v1/sender-ids", json={"senderId": "ACMEIN", "peId": PE_ID}, headers=key)
        assert asked.status_code == 201 and asked.json()["status"] == "PENDING", asked.text
        again = await gw.post("/api/v1/sender-ids", json={"senderId": "ACMEIN", "peId": PE_ID}, headers=key)
        assert_error(again, 409, "CONFLICT", "senderId")  # the console's own refusal, unchanged
        decided = await edge.admin(f"/api/admin/approvals/sender-ids/{asked.json()['id']}", {"decision": "APPROVE"})
        assert decided.status_code == 204, decided.text
        listed = (await gw.get("/api/v1/sender-ids", headers=key)).json()
        assert [(s["senderId"], s["status"]) for s in listed["items"]] == [("ACMEIN", "APPROVED")]

        # templates: an SMS one (DLT-registered: APPROVED at once), and a bad one refused with the field
        sms = {
            "name": "otp_alert",
            "channel": "SMS",
            "body": "Your OTP is {#var#}. Do not share it with anyone.",
            "category": "Auth",
            "dltTemplateId": "1107160000000000001",
        }
        created = await gw.post("/api/v1/templates", json=sms, headers=key)
        assert created.status_code == 201, created.text
        template = created.json()
        assert (template["status"], template["placeholders"]) == ("APPROVED", 1)
        refused = await gw.post("/api/v1/templates", json={**sms, "name": "bad name!"}, headers=key)
        assert_error(refused, 422, "VALIDATION_ERROR", "name")
        no_waba = await gw.post(
            "/api/v1/templates",
            json={"name": "order_update", "channel": "WHATSAPP", "body": "Hi {{1}}", "category": "UTILITY"},
            headers=key,
        )
        assert_error(no_waba, 422, "CHANNEL_NOT_CONFIGURED", "wabaNumberId")
        await _rejected_template_shows_its_reason(edge, acme, key)
        one = (await gw.get(f"/api/v1/templates/{template['id']}", headers=key)).json()
        assert (one["name"], one["status"], one["statusReason"]) == ("otp_alert", "APPROVED", None)
        approved = (await gw.get("/api/v1/templates", params={"status": "APPROVED"}, headers=key)).json()
        assert [t["name"] for t in approved["items"]] == ["otp_alert"]

        # blacklist: add (normalized to E.164), list, remove, and a second remove is the console's 404
        added = await gw.post("/api/v1/blacklist", json={"recipient": "0091 98111 00777"}, headers=key)
        assert added.status_code == 201 and added.json() == {"recipient": "+919811100777"}, added.text
        page = (await gw.get("/api/v1/blacklist", headers=key)).json()
        assert [e["recipient"] for e in page["items"]] == ["+919811100777"]
        other_remove = await gw.delete("/api/v1/blacklist/+919811100777", headers=api(other["apiKey"]))
        assert_error(other_remove, 404, "NOT_FOUND")
        assert (await gw.delete("/api/v1/blacklist/+919811100777", headers=key)).status_code == 204
        assert_error(await gw.delete("/api/v1/blacklist/+919811100777", headers=key), 404, "NOT_FOUND")
        assert (await gw.get("/api/v1/blacklist", headers=key)).json()["total"] == 0

        # balance and transactions, from billing's ledger
        balance = (await gw.get("/api/v1/billing/balance", headers=key)).json()
        assert (balance["accountId"], balance["balanceMinor"]) == (acme["accountId"], 50_000)
        ledger = (await gw.get("/api/v1/billing/transactions", headers=key)).json()
        assert [(t["kind"], t["amountMinor"], t["reason"]) for t in ledger["items"]] == [("CREDIT", 50_000, "opening")]
        assert (await gw.get("/api/v1/billing/balance", headers=api(other["apiKey"]))).json()["balanceMinor"] == 0

        campaign = await _campaign_with_bad_rows(gw, key, template["id"])
        await _a_large_upload_streams_through(gw, key, template["id"])
        await _compliance_and_assist(gw, key)

        # the other account's key sees none of it
        foreign = api(other["apiKey"])
        assert_error(await gw.get(f"/api/v1/templates/{template['id']}", headers=foreign), 404, "NOT_FOUND")
        assert_error(await gw.get(f"/api/v1/campaigns/{campaign['id']}", headers=foreign), 404, "NOT_FOUND")
        assert_error(await gw.post(f"/api/v1/campaigns/{campaign['id']}/pause", headers=foreign), 404, "NOT_FOUND")
        assert_error(
            await gw.get(f"/api/v1/campaigns/{campaign['id']}/rejected.csv", headers=foreign), 404, "NOT_FOUND"
        )
        for path in ("/api/v1/templates", "/api/v1/sender-ids", "/api/v1/campaigns", "/api/v1/billing/transactions"):
            assert (await gw.get(path, headers=foreign)).json()["total"] == 0, path

        # one key, checked once by the gateway: none or a wrong one never reaches a service
        assert_error(await gw.get("/api/v1/templates"), 401, "UNAUTHORIZED", "X-API-Key")
        assert_error(await gw.get("/api/v1/campaigns", headers=api("cpk_wrong")), 401, "UNAUTHORIZED")
        # the account's IP allow-list holds on these routes as on submit
        async with httpx.AsyncClient(base_url=edge.urls["console"], timeout=10) as user:
            login = await user.post("/api/auth/login", json={"username": "globex_ops", "password": other["password"]})
            allow = await user.put(
                "/api/settings/ip-allowlist",
                json={"entries": ["203.0.113.0/24"]},
                headers={"X-CSRF-Token": login.json()["csrfToken"]},
            )
            assert allow.status_code == 200, allow.text
        outside = await eventually(
            lambda: gw.get("/api/v1/templates", headers=foreign), lambda r: r.status_code == 403, "allow-list applied"
        )
        assert_error(outside, 403, "IP_NOT_ALLOWED")
        assert (await gw.get("/api/v1/templates", headers=key)).status_code == 200
        # and the services' internal routes are not on their public ports
        public_console = await edge.console.get(f"/internal/v1/accounts/{acme['accountId']}/templates")
        assert public_console.status_code == 404
        async with httpx.AsyncClient(base_url=edge.urls["console_in"], timeout=10) as internal:
            no_token = await internal.get(f"/internal/v1/accounts/{acme['accountId']}/templates")
            assert_error(no_token, 401, "UNAUTHORIZED", "X-Service-Token")
            token = {"X-Service-Token": "local-dev-service-token"}
            assert_error(await internal.get("/internal/v1/accounts/999999/templates", headers=token), 404, "NOT_FOUND")


async def _rejected_template_shows_its_reason(edge: Edge, acme: dict, key: dict) -> None:
    """An RCS template is reviewed: the admin's rejection and its reason read back through the API."""
    async with httpx.AsyncClient(base_url=edge.urls["console"], timeout=10) as user:
        login = await user.post("/api/auth/login", json={"username": "acme_ops", "password": acme["password"]})
        assert login.status_code == 200, login.text
        bot = await user.post(
            "/api/channels/rcs",
            json={"displayName": "Acme", "handle": "acme-bot"},
            headers={"X-CSRF-Token": login.json()["csrfToken"]},
        )
        assert bot.status_code == 201, bot.text
    # RBM reviews a new agent (here 50 ms) before it can be launched; an approval before that
    # is refused (422, "verification is PENDING") and the admin approves again
    approved = await eventually(
        lambda: edge.admin(f"/api/admin/approvals/rcs-bots/{bot.json()['id']}", {"decision": "APPROVE"}),
        lambda answer: not (answer.status_code == 422 and "PENDING" in answer.text),
        "the RBM agent reviewed",
    )
    assert approved.status_code == 204, approved.text
    rcs = {"name": "rcs_welcome", "channel": "RCS", "body": "Welcome {{1}}! Your account is ready."}
    created = await edge.gateway.post("/api/v1/templates", json=rcs, headers=key)
    assert created.status_code == 201 and created.json()["status"] == "PENDING", created.text
    reason = "the welcome needs the brand's name"
    decided = await edge.admin(
        f"/api/admin/approvals/templates/{created.json()['id']}", {"decision": "REJECT", "reason": reason}
    )
    assert decided.status_code == 204, decided.text
    one = (await edge.gateway.get(f"/api/v1/templates/{created.json()['id']}", headers=key)).json()
    assert (one["status"], one["statusReason"], one["usable"]) == ("REJECTED", reason, False)


async def _campaign_with_bad_rows(gw: httpx.AsyncClient, key: dict, template_id: int) -> dict:
    """A CSV with three bad rows streamed through the gateway; its rejected rows, pause, resume, cancel."""
    rows = [
        "phone,otp",
        "+919811100101,111111",
        "12345,222222",  # line 3: not a number
        "+919811100102,333333",
        "+919811100101,444444",  # line 5: duplicate of line 2
        "+919811100103",  # line 6: no variable
        "+919811100104,555555",
    ]
    start = (datetime.now(UTC) + timedelta(hours=2)).isoformat()  # it waits: pause and cancel act on it
    form = {"name": "diwali_promo_2025", "channel": "SMS", "templateId": str(template_id), "senderId": "ACMEIN"}
    files = {"file": ("numbers.csv", "\n".join(rows).encode(), "text/csv")}
    created = await gw.post("/api/v1/campaigns", data={**form, "scheduledAt": start}, files=files, headers=key)
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["status"] == "CREATED" and campaign["name"] == "diwali_promo_2025"
    taken = await gw.post("/api/v1/campaigns", data=form, files=files, headers=key)
    assert_error(taken, 409, "CONFLICT", "name")  # the campaigns service's refusal, unchanged

    path = f"/api/v1/campaigns/{campaign['id']}"

    async def fetch() -> dict:
        return (await gw.get(path, headers=key)).json()

    checked = await eventually(fetch, lambda c: c["status"] == "QUEUED", "the file is checked")
    assert (checked["total"], checked["rejected"]) == (6, 3)
    assert [(r["line"], r["code"]) for r in checked["rejectedRows"]] == [
        (3, "INVALID_NUMBER"),
        (5, "DUPLICATE"),
        (6, "WRONG_VARIABLE_COUNT"),
    ]
    rejected = (await gw.get(f"{path}/rejected", params={"pageSize": 2}, headers=key)).json()
    assert ([r["line"] for r in rejected["items"]], rejected["total"]) == ([3, 5], 3)
    exported = await gw.get(f"{path}/rejected.csv", headers=key)
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    lines = list(csv.reader(io.StringIO(exported.text)))
    assert lines[0] == ["line", "code", "reason", "row"] and [r[0] for r in lines[1:]] == ["3", "5", "6"]
    listed = (await gw.get("/api/v1/campaigns", params={"search": "diwali"}, headers=key)).json()
    assert [c["id"] for c in listed["items"]] == [campaign["id"]]

    paused = await gw.post(f"{path}/pause", headers=key)
    assert paused.status_code == 200 and paused.json()["status"] == "PAUSED", paused.text
    assert_error(await gw.post(f"{path}/pause", headers=key), 409, "CONFLICT")
    assert (await gw.post(f"{path}/resume", headers=key)).json()["status"] == "QUEUED"
    cancelled = await gw.post(f"{path}/cancel", headers=key)
    assert cancelled.json()["status"] == "CANCELLED" and cancelled.json()["sent"] == 0
    return campaign


UPLOAD_MIB = 16  # a file far larger than anything the gateway may hold
UPLOAD_PEAK_LIMIT_BYTES = 8 * 1024 * 1024  # 4 MiB measured (a gateway buffering 24 MiB: 65)


async def _a_large_upload_streams_through(gw: httpx.AsyncClient, key: dict, template_id: int) -> None:
    """16 MiB sent in 64 KiB pieces: the gateway and the campaigns service (both in this
    process) never allocate anything near the file's size, so neither holds it whole."""
    boundary = "edge-upload-boundary"
    fields = {"name": "large_upload", "channel": "SMS", "templateId": str(template_id), "senderId": "ACMEIN"}

    async def body():
        for name, value in fields.items():
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        yield f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n'.encode()
        yield b"%PDF-1.7\n"  # not a CSV: the campaign fails once stored, nothing is sent
        piece = b"0" * 65536
        for _ in range(UPLOAD_MIB * 16):
            yield piece
        yield f"\r\n--{boundary}--\r\n".encode()

    headers = {**key, "content-type": f"multipart/form-data; boundary={boundary}"}
    tracemalloc.start()
    try:
        created = await gw.post("/api/v1/campaigns", content=body(), headers=headers, timeout=60)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert created.status_code == 201, created.text
    assert created.json()["fileBytes"] > UPLOAD_MIB * 1024 * 1024
    assert peak < UPLOAD_PEAK_LIMIT_BYTES, f"{peak / 2**20:.1f} MiB allocated while {UPLOAD_MIB} MiB streamed"
    failed = await eventually(
        lambda: _json(gw.get(f"/api/v1/campaigns/{created.json()['id']}", headers=key)),
        lambda c: c["status"] == "FAILED",
        "the file is judged",
    )
    assert "not a CSV" in failed["statusReason"]


async def _json(response) -> dict:
    return (await response).json()


async def _compliance_and_assist(gw: httpx.AsyncClient, key: dict) -> None:
    check = await gw.post(
        "/api/v1/compliance/check",
        json={"text": "URGENT! share your OTP at bit.ly/x", "channel": "SMS", "category": "Auth"},
        headers=key,
    )
    assert check.status_code == 200, check.text
    verdict = check.json()
    assert verdict["riskLevel"] == "HIGH" and {"CHECK-6", "CHECK-9"} <= {w["check"] for w in verdict["warnings"]}
    assert all(w["span"]["text"] and w["suggestion"] for w in verdict["warnings"])
    assert_error(
        await gw.post("/api/v1/compliance/check", json={"channel": "SMS"}, headers=key), 422, "VALIDATION_ERROR"
    )
    assist = await gw.post(
        "/api/v1/templates/assist",
        json={
            "channel": "WHATSAPP",
            "name": "diwali_offer_2025",
            "category": "MARKETING",
            "instructions": "include a discount offer",
        },
        headers=key,
    )
    assert assist.status_code == 200, assist.text
    drafts = assist.json()
    assert drafts["engine"] == "local" and len(drafts["drafts"]) >= 2


async def test_a_service_that_is_down_answers_503_with_a_clear_message(start_gateway) -> None:
    closed = bind_socket()  # bound, never listening: connections are refused
    down = f"http://127.0.0.1:{closed.getsockname()[1]}"
    urls = {"campaigns_url": down, "console_internal_url": down, "billing_url": down, "ai_url": down}
    try:
        async with start_gateway(**urls) as gw:
            for method, path, service in (
                ("GET", "/api/v1/templates", "the console"),
                ("GET", "/api/v1/campaigns/1", "the campaigns service"),
                ("GET", "/api/v1/campaigns/1/rejected.csv", "the campaigns service"),
                ("GET", "/api/v1/billing/balance", "billing"),
                ("POST", "/api/v1/compliance/check", "the AI service"),
            ):
                response = await gw.client.request(method, path, headers=gw.headers(), json={})
                assert_error(response, 503, "SERVICE_UNAVAILABLE")
                assert service in response.json()["error"]["message"] and response.headers["retry-after"] == "1"
            upload = await gw.client.post(
                "/api/v1/campaigns",
                data={"name": "x"},
                files={"file": ("a.csv", b"+919811100101")},
                headers=gw.headers(),
            )
            assert_error(upload, 503, "SERVICE_UNAVAILABLE")
    finally:
        closed.close()


async def test_a_service_that_does_not_answer_in_time_is_503_saying_it_may_have_acted(start_gateway) -> None:
    silent = bind_socket()
    silent.listen(8)  # connections are taken by the kernel and never answered
    try:
        async with start_gateway(
            console_internal_url=f"http://127.0.0.1:{silent.getsockname()[1]}", downstream_timeout_seconds=0.5
        ) as gw:
            response = await gw.client.post(
                "/api/v1/blacklist", json={"recipient": "+919811100777"}, headers=gw.headers()
            )
        assert_error(response, 503, "SERVICE_UNAVAILABLE")
        assert "did not answer in time" in response.json()["error"]["message"]
    finally:
        silent.close()
