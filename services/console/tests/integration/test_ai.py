"""The Templates screen's compliance check and AI Assist through the console, against the
real ai service (its own app, served over HTTP on a free port): the verdict and drafts as
the ai service answers them, a clear 503 when it is down (templates still save), a HIGH-risk
template held back until confirmed (the operator's setting), and the admin's approvals
queue carrying each template's parts and its check at submission."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from cpaas.ai.app import build_app as build_ai
from cpaas.ai.settings import AiSettings
from cpaas.billing.app import build_app as build_billing
from cpaas.billing.settings import BillingSettings
from cpaas.console.app import build_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings
from cpaas.platform.serve import bind_socket, serving

from .conftest import BILLING_URL, Console, refused_port, service_client

pytestmark = pytest.mark.integration

RISKY = "URGENT! share your OTP at bit.ly/x"
RISKY_SMS = {
    "name": "risky_alert",
    "channel": "SMS",
    "body": "URGENT! share your OTP {#var#} at bit.ly/x",
    "dltTemplateId": "1107161234567890123",
    "category": "UIC",
}


@pytest.fixture(scope="module")
async def ai_url() -> AsyncIterator[str]:
    """The ai service's own app, served on a free port once for this module."""
    app = build_ai(AiSettings())
    async with serving(app, bind_socket()) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
async def consoles(kafka_settings, pg_settings, tmp_path: Path):
    """Consoles over one database (seeded once) and the real billing, each with its own settings."""
    creds = await seed(pg_settings, tmp_path / "creds.json")
    billing = build_billing(BillingSettings(kafka=kafka_settings, postgres=pg_settings))
    async with billing.router.lifespan_context(billing):
        http = service_client(billing=billing)

        @asynccontextmanager
        async def console(ai: str, **settings) -> AsyncIterator[Console]:
            app = build_app(
                ConsoleSettings(
                    kafka=kafka_settings,
                    postgres=pg_settings,
                    billing_url=BILLING_URL,
                    gateway_url=f"http://127.0.0.1:{refused_port()}",
                    ai_url=ai,
                    **settings,
                ),
                http=http,
            )
            async with app.router.lifespan_context(app):
                made = Console(app, creds, http, [])
                yield made
                for client in made.clients:
                    await client.aclose()

        yield console
        await http.aclose()


def checks(verdict: dict) -> set[str]:
    return {w["check"] for w in verdict["warnings"]}


async def test_the_check_answers_the_ai_services_verdict_with_spans_and_suggestions(consoles, ai_url) -> None:
    async with consoles(ai_url) as console:
        client = await console.user()
        response = await client.post(
            "/api/compliance/check", json={"text": RISKY, "channel": "WHATSAPP", "category": "MARKETING"}
        )
        assert response.status_code == 200, response.text
        verdict = response.json()
        assert verdict["riskLevel"] == "HIGH" and verdict["riskScore"] >= 60
        assert {"CHECK-6", "CHECK-7", "CHECK-9"} <= checks(verdict)
        for warning in verdict["warnings"]:
            span = warning["span"]
            assert RISKY[span["start"] : span["end"]] == span["text"] and warning["suggestion"]
        by_check = {w["check"]: w for w in verdict["warnings"]}
        assert by_check["CHECK-6"]["span"]["text"] == "bit.ly/x"
        assert "bit.ly" not in by_check["CHECK-6"]["suggestion"]

        clean = "Hi {{1}}, your order {{2}} has shipped and arrives by {{3}}."
        answer = await client.post(
            "/api/compliance/check", json={"text": clean, "channel": "WHATSAPP", "category": "UTILITY"}
        )
        assert answer.json() == {"riskScore": 0, "riskLevel": "LOW", "warnings": []}

        bad = await client.post(
            "/api/compliance/check", json={"text": RISKY, "channel": "WHATSAPP", "category": "PROMO"}
        )
        assert bad.status_code == 422 and bad.json()["error"]["field"] == "category"  # the ai service's own refusal
        assert (
            await console.client().post("/api/compliance/check", json={"text": RISKY, "channel": "SMS"})
        ).status_code == 401


async def test_assist_drafts_whatsapp_fields_from_the_template_name(consoles, ai_url) -> None:
    async with consoles(ai_url) as console:
        client = await console.user()
        wanted = {"channel": "WHATSAPP", "name": "diwali_offer_2025", "category": "MARKETING"}
        response = await client.post(
            "/api/templates/assist", json={**wanted, "instructions": "include a discount offer"}
        )
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["engine"] == "local" and len(answer["drafts"]) >= 2
        assert len({d["body"] for d in answer["drafts"]}) == len(answer["drafts"])  # distinct
        for draft in answer["drafts"]:
            assert "{{1}}" in draft["body"] and "diwali" in draft["body"].lower()
            assert draft["content"]["header"]["text"] and draft["content"]["buttons"]
            assert "stop" in draft["content"]["footer"].lower()  # marketing: opt-out in the footer
            assert [v["index"] for v in draft["variables"]] == list(range(1, len(draft["variables"]) + 1))
        assert any("off" in d["body"] for d in answer["drafts"])

        sms = (
            await client.post("/api/templates/assist", json={"channel": "SMS", "name": "otp_alert", "category": "Auth"})
        ).json()
        assert all(d["segments"] >= 1 and "{#var#}" in d["body"] for d in sms["drafts"])

        empty = await client.post("/api/templates/assist", json={**wanted, "name": " "})
        assert empty.status_code == 422 and empty.json()["error"]["field"] == "name"


async def test_the_ai_service_down_is_a_clear_503_and_templates_still_save(consoles) -> None:
    async with consoles(f"http://127.0.0.1:{refused_port()}") as console:
        client = await console.user()
        for path, body in (
            ("/api/compliance/check", {"text": RISKY, "channel": "SMS"}),
            ("/api/templates/assist", {"channel": "SMS", "name": "otp_alert"}),
        ):
            response = await client.post(path, json=body)
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "SERVICE_UNAVAILABLE" and "AI service is unavailable" in error["message"]
        created = await client.post("/api/templates", json=RISKY_SMS)  # not checked, so not held back
        assert created.status_code == 201, created.text


async def test_a_high_risk_template_needs_an_explicit_confirmation(consoles, ai_url) -> None:
    async with consoles(ai_url) as console:
        client = await console.user()
        refused = await client.post("/api/templates", json=RISKY_SMS)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["code"] == "HIGH_RISK_CONFIRMATION_REQUIRED" and error["field"] == "confirmHighRisk"
        assert "HIGH risk" in error["message"] and "CHECK-9" in error["message"]
        listed = (await client.get("/api/templates", params={"search": "risky_alert"})).json()
        assert listed["total"] == 0  # nothing was saved
        fine = {**RISKY_SMS, "name": "clean_alert", "body": "Your order {#var#} has shipped. -SHOPKART"}
        assert (await client.post("/api/templates", json=fine)).status_code == 201  # LOW: no question asked
        confirmed = await client.post("/api/templates", json={**RISKY_SMS, "confirmHighRisk": True})
        assert confirmed.status_code == 201, confirmed.text

        # the public API's create (the gateway forwards it to the console's internal route) is held back alike
        internal = console.client()
        internal.headers["X-Service-Token"] = ConsoleSettings().service_token
        path = f"/internal/v1/accounts/{console.creds['accountId']}/templates"
        api_risky = {**RISKY_SMS, "name": "risky_api"}
        refused = await internal.post(path, json=api_risky)
        assert refused.status_code == 422 and refused.json()["error"]["code"] == "HIGH_RISK_CONFIRMATION_REQUIRED"
        assert (await internal.post(path, json={**api_risky, "confirmHighRisk": True})).status_code == 201

    async with consoles(ai_url, require_confirm_high_risk=False) as console:  # the operator's setting off
        client = await console.user()
        response = await client.post("/api/templates", json={**RISKY_SMS, "name": "risky_alert_2"})
        assert response.status_code == 201, response.text


async def test_the_approvals_queue_shows_each_template_rendered_with_its_check(consoles, ai_url) -> None:
    async with consoles(ai_url) as console:
        user, admin = await console.user(), await console.admin()
        media_url = "https://cdn.example.com/diwali.png"
        risky = {
            "name": "festive_blast",
            "channel": "WHATSAPP",
            "category": "MARKETING",
            "templateType": "MEDIA",
            "body": "URGENT! Hi {{1}}, share your OTP at bit.ly/x to claim the gift.",
            "content": {"header": {"type": "IMAGE", "mediaUrl": media_url}, "footer": "Reply STOP to opt out"},
            "confirmHighRisk": True,
        }
        assert (await user.post("/api/templates", json=risky)).status_code == 201
        clean = {
            "name": "order_note",
            "channel": "WHATSAPP",
            "category": "UTILITY",
            "body": "Hi {{1}}, your order {{2}} has shipped.",
            "content": {"buttons": [{"type": "QUICK_REPLY", "text": "Thanks"}]},
        }
        assert (await user.post("/api/templates", json=clean)).status_code == 201
        queue = (await admin.get("/api/admin/approvals", params={"kind": "templates", "pageSize": 100})).json()
        items = {a["name"]: a for a in queue["items"]}
        shown = items["festive_blast"]["template"]
        assert shown["templateType"] == "MEDIA" and shown["body"] == risky["body"]
        assert shown["content"]["header"]["type"] == "IMAGE" and media_url in str(shown["content"]["header"])
        check = shown["compliance"]
        assert check["riskLevel"] == "HIGH" and {"CHECK-6", "CHECK-7", "CHECK-9"} <= checks(check)
        # the spans point into the text that was checked: the body and the footer, one per line
        assert check["text"] == risky["body"] + "\nReply STOP to opt out"
        assert all(check["text"][w["span"]["start"] : w["span"]["end"]] == w["span"]["text"] for w in check["warnings"])
        assert items["order_note"]["template"]["compliance"]["riskLevel"] == "LOW"
        senders = (await admin.get("/api/admin/approvals", params={"kind": "sender-ids"})).json()["items"]
        assert all(a["template"] is None for a in senders)
