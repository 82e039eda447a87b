"""The Bulk Campaign screen's routes: the console forwards to the real campaigns service
(its own app, schema and Kafka topics, served over real HTTP with its internal listener,
so uploads stream through two real connections), which
checks the file, sends the rows to the submit topics, where the real reporting service
logs them; Reports then names the campaign. The service's refusals come back in its words;
CSRF and the account come from the console's session."""

import asyncio
import csv
import io
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from cpaas.billing.app import build_app as build_billing
from cpaas.billing.settings import BillingSettings
from cpaas.campaigns.app import build_app as build_campaigns
from cpaas.campaigns.settings import CampaignsSettings
from cpaas.console.app import build_app
from cpaas.console.settings import ConsoleSettings
from cpaas.platform.serve import bind_socket, serving
from cpaas.reporting.app import build_app as build_reporting
from cpaas.reporting.settings import ReportingSettings

from .conftest import BILLING_URL, Console, refused_port, seed, service_client

MAX_FILE_BYTES = 64 * 1024  # the campaigns service's limit here: a larger upload is 413
WAIT_SECONDS = 30
# the demo SMS template has two variables; line 1 is the header
CSV_FILE = (
    b"phone,otp,minutes\n"
    b"+919876500001,111111,10\n"
    b"not-a-number,222222,10\n"  # line 3
    b"+919876500002,333333,10\n"
    b"+919876500003,444444\n"  # line 5: a variable short
    b"+919876500004,555555,10\n"
    b"+919876500001,666666,10\n"  # line 7: a duplicate of line 2
    b"+919876500005,777777,10\n"
)


@pytest.fixture
async def bulk(kafka_settings, pg_settings, tmp_path: Path) -> AsyncIterator[Console]:
    """Console, billing, campaigns and reporting, each the service's own app."""
    creds = await seed(pg_settings, tmp_path / "creds.json")
    common = {"kafka": kafka_settings, "postgres": pg_settings}
    billing = build_billing(BillingSettings(**common))
    campaigns = build_campaigns(
        CampaignsSettings(
            **common,
            max_file_bytes=MAX_FILE_BYTES,
            dispatch_tick_seconds=0.05,
            work_poll_seconds=0.2,
            shutdown_grace_seconds=3,
        )
    )
    reporting = build_reporting(ReportingSettings(**common))
    internal = bind_socket()
    async with (
        billing.router.lifespan_context(billing),
        serving(campaigns, bind_socket(), internal_sock=internal),
        reporting.router.lifespan_context(reporting),
    ):
        billing_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=billing), base_url=BILLING_URL)
        await billing_http.post(
            f"/api/v1/billing/accounts/{creds['accountId']}/adjustments",
            json={"amountMinor": 100_000, "reason": "test opening balance"},
            headers={"X-Service-Token": "local-dev-service-token"},
        )
        http = service_client(billing=billing)
        settings = ConsoleSettings(
            **common,
            billing_url=BILLING_URL,
            gateway_url=f"http://127.0.0.1:{refused_port()}",
            campaigns_url=f"http://127.0.0.1:{internal.getsockname()[1]}",  # its internal listener
        )
        app = build_app(settings, http=http)
        async with app.router.lifespan_context(app):
            console = Console(app, creds, billing_http, [])
            yield console
            for client in console.clients:
                await client.aclose()
        await http.aclose()
        await billing_http.aclose()


def form(creds: dict, name: str, **overrides: str) -> dict[str, str]:
    return {
        "name": name,
        "channel": "SMS",
        "templateId": str(creds["templates"]["SMS"]),
        "senderId": creds["senderId"],
        **overrides,
    }


async def create(client: httpx.AsyncClient, fields: dict, content: bytes = CSV_FILE) -> httpx.Response:
    return await client.post("/api/campaigns", data=fields, files={"file": ("list.csv", content, "text/csv")})


async def until(check: Callable[[], Awaitable[dict | None]], what: str) -> dict:
    last = None
    try:
        async with asyncio.timeout(WAIT_SECONDS):
            while (last := await check()) is None:
                await asyncio.sleep(0.2)
    except TimeoutError:
        raise AssertionError(what) from None
    return last


async def test_a_campaign_made_in_the_console_is_checked_sent_and_named_in_reports(bulk) -> None:
    user = await bulk.user()
    created = await create(user, form(bulk.creds, "diwali_promo_2025"))
    assert created.status_code == 201, created.text
    campaign = created.json()
    assert campaign["name"] == "diwali_promo_2025" and campaign["status"] in ("CREATED", "QUEUED", "PROCESSING")

    async def completed() -> dict | None:
        response = await user.get(f"/api/campaigns/{campaign['id']}")
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["status"] == "COMPLETED" else None

    done = await until(completed, "the campaign did not complete")
    assert (done["total"], done["rejected"], done["sent"], done["processed"]) == (7, 3, 4, 7)
    assert done["progress"] == 1.0
    assert [r["line"] for r in done["rejectedRows"]] == [3, 5, 7]

    rejected = (await user.get(f"/api/campaigns/{campaign['id']}/rejected", params={"pageSize": 2})).json()
    assert rejected["total"] == 3 and [r["line"] for r in rejected["items"]] == [3, 5]
    assert [r["code"] for r in rejected["items"]] == ["INVALID_NUMBER", "WRONG_VARIABLE_COUNT"]
    second = (await user.get(f"/api/campaigns/{campaign['id']}/rejected", params={"page": 2, "pageSize": 2})).json()
    assert [(r["line"], r["code"]) for r in second["items"]] == [(7, "DUPLICATE")]
    assert "line 2" in second["items"][0]["reason"]

    download = await user.get(f"/api/campaigns/{campaign['id']}/rejected.csv")
    assert download.status_code == 200 and download.headers["content-type"].startswith("text/csv")
    assert "attachment" in download.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(download.text)))
    assert rows[0] == ["line", "code", "reason", "row"]
    assert [r[0] for r in rows[1:]] == ["3", "5", "7"] and rows[1][3].startswith("not-a-number")

    listed = (await user.get("/api/campaigns", params={"search": "diwali"})).json()
    assert [c["id"] for c in listed["items"]] == [campaign["id"]] and listed["total"] == 1
    assert (await user.get("/api/campaigns", params={"search": "nothing-like-it"})).json()["total"] == 0
    assert (await user.get("/api/campaigns", params={"status": "COMPLETED"})).json()["total"] == 1

    async def logged() -> dict | None:
        page = (await user.get("/api/reports", params={"campaignId": campaign["id"]})).json()
        return page if page["total"] == 4 else None

    messages = await until(logged, "reporting did not log the campaign's four messages")
    assert {m["campaignName"] for m in messages["items"]} == {"diwali_promo_2025"}
    assert {m["campaignId"] for m in messages["items"]} == {campaign["id"]}
    assert sorted(m["recipient"] for m in messages["items"]) == [f"+91987650000{i}" for i in (1, 2, 4, 5)]
    detail = (await user.get(f"/api/reports/{messages['items'][0]['messageId']}")).json()
    assert detail["message"]["campaignName"] == "diwali_promo_2025"
    export = await user.get("/api/reports/export.csv", params={"campaignId": campaign["id"]})
    exported = list(csv.DictReader(io.StringIO(export.text)))
    assert len(exported) == 4 and {r["campaign_name"] for r in exported} == {"diwali_promo_2025"}


async def test_refusals_come_back_in_the_services_words(bulk) -> None:
    user = await bulk.user()
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()  # it waits: pause applies
    first = await create(user, form(bulk.creds, "spring_sale", scheduledAt=tomorrow))
    assert first.status_code == 201, first.text

    taken = await create(user, form(bulk.creds, "spring_sale"))
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "name"

    no_sender = await create(user, form(bulk.creds, "no_sender", senderId=""))
    assert no_sender.status_code == 422
    assert no_sender.json()["error"]["code"] == "SENDER_ID_REQUIRED"
    assert no_sender.json()["error"]["field"] == "senderId"

    bad_fallback = await create(
        user, form(bulk.creds, "bad_fallback", fallback='[{"channel": "SMS", "templateId": 999999}]')
    )
    assert bad_fallback.json()["error"] == {
        "code": "TEMPLATE_NOT_FOUND",
        "message": "template 999999 is not in this account",
        "field": "fallback[0].templateId",
    }

    too_large = await create(user, form(bulk.creds, "too_large"), b"+919876500001,1,2\n" * (MAX_FILE_BYTES // 10))
    assert too_large.status_code == 413 and too_large.json()["error"]["code"] == "PAYLOAD_TOO_LARGE"
    names = {c["name"] for c in (await user.get("/api/campaigns")).json()["items"]}
    assert names == {"spring_sale"}  # none of the refused ones was kept

    campaign_id = first.json()["id"]
    paused = await user.post(f"/api/campaigns/{campaign_id}/pause")
    assert paused.status_code == 200 and paused.json()["status"] == "PAUSED"
    assert paused.json()["pauseCode"] == "BY_USER"
    again = await user.post(f"/api/campaigns/{campaign_id}/pause")
    assert again.status_code == 409 and again.json()["error"]["code"] == "CONFLICT"
    cancelled = await user.post(f"/api/campaigns/{campaign_id}/cancel")
    assert cancelled.json()["status"] == "CANCELLED"
    assert (await user.post(f"/api/campaigns/{campaign_id}/resume")).status_code == 409
    assert (await user.post(f"/api/campaigns/{campaign_id}/restart")).status_code == 422
    assert (await user.get("/api/campaigns/999999")).status_code == 404


async def test_the_session_decides_the_account_and_changes_need_the_csrf_token(bulk) -> None:
    user, admin = await bulk.user(), await bulk.admin()
    created = await create(user, form(bulk.creds, "mine_only"))
    campaign_id = created.json()["id"]

    other = (await admin.post("/api/admin/users", json={"username": "acme_ops", "accountName": "Acme"})).json()
    acme = await bulk.login("acme_ops", other["password"])
    assert (await acme.get(f"/api/campaigns/{campaign_id}")).status_code == 404
    assert (await acme.get(f"/api/campaigns/{campaign_id}/rejected.csv")).status_code == 404
    assert (await acme.post(f"/api/campaigns/{campaign_id}/cancel")).status_code == 404
    assert (await acme.get("/api/campaigns")).json()["total"] == 0

    anonymous = bulk.client()
    assert (await anonymous.get("/api/campaigns")).status_code == 401
    no_token = bulk.client()
    no_token.cookies = user.cookies
    refused = await create(no_token, form(bulk.creds, "without_csrf"))
    assert refused.status_code == 403 and refused.json()["error"]["field"] == "X-CSRF-Token"
    assert (await no_token.post(f"/api/campaigns/{campaign_id}/cancel")).status_code == 403
    assert (await user.get(f"/api/campaigns/{campaign_id}")).json()["status"] != "CANCELLED"


async def test_the_campaigns_service_away_is_503(console) -> None:
    console.app.state.apis.campaigns_url = f"http://127.0.0.1:{refused_port()}"
    user = await console.user()
    response = await user.get("/api/campaigns")
    assert response.status_code == 503 and response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert (await create(user, form(console.creds, "nowhere"))).status_code == 503
