"""Traffic Anomaly and Spam Detection on the public API: an OTP flood submitted through the
gateway with one account's key is counted by the ai service (its subscriber on the real Kafka,
its schema on the real PostgreSQL), raised as OTP_FLOOD by Run Detection Now, read back in the
risk summary and the log, and acknowledged; another account's key sees none of it. Every
service is its own real app served over HTTP; the tenants are created through the console's
admin API."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import httpx

from cpaas.ai.app import build_app as ai_app
from cpaas.ai.settings import AiSettings
from cpaas.billing.app import build_app as billing_app
from cpaas.billing.settings import BillingSettings
from cpaas.console.app import build_app as console_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings
from cpaas.gateway.app import build_app as gateway_app
from cpaas.gateway.settings import GatewaySettings
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings

from .test_edge import PE_ID, Edge, api, assert_error, eventually

FLOODED = "+919811100123"
OTP_TEMPLATE = {
    "name": "login_otp",
    "channel": "SMS",
    "body": "Your OTP is {#var#}. Do not share it with anyone.",
    "category": "Auth",
    "dltTemplateId": "1107160000000000002",
}


@asynccontextmanager
async def anomaly_edge(pg: PostgresSettings, kafka: KafkaSettings, tmp_path: Path) -> AsyncIterator[Edge]:
    creds = await seed(pg, tmp_path / "creds.json")
    common = {"kafka": kafka, "postgres": pg}
    socks = {n: bind_socket() for n in ("console", "console_in", "billing", "ai")}
    url = {n: f"http://127.0.0.1:{s.getsockname()[1]}" for n, s in socks.items()}
    console = console_app(ConsoleSettings(**common, billing_url=url["billing"], ai_url=url["ai"]))
    ai = ai_app(AiSettings(**common, batch_timeout_ms=5, shutdown_grace_seconds=5), detect_every_seconds=3600)
    gateway = gateway_app(
        GatewaySettings(**common, console_internal_url=url["console_in"], billing_url=url["billing"], ai_url=url["ai"])
    )
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(serving(billing_app(BillingSettings(**common)), socks["billing"]))
        await stack.enter_async_context(serving(console, socks["console"], internal_sock=socks["console_in"]))
        await stack.enter_async_context(serving(ai, socks["ai"]))
        url["gateway"] = f"http://127.0.0.1:{await stack.enter_async_context(serving(gateway, bind_socket()))}"
        public = await stack.enter_async_context(httpx.AsyncClient(base_url=url["gateway"], timeout=15))
        admin = await stack.enter_async_context(httpx.AsyncClient(base_url=url["console"], timeout=10))
        login = await admin.post("/api/auth/login", json=creds["admin"])
        assert login.status_code == 200, login.text
        yield Edge(public, admin, login.json()["csrfToken"], url)


async def test_an_otp_flood_through_the_gateway_is_an_anomaly_of_that_account_only(
    pg_settings: PostgresSettings, kafka_settings: KafkaSettings, tmp_path: Path
) -> None:
    async with anomaly_edge(pg_settings, kafka_settings, tmp_path) as edge:
        acme, other = await edge.tenant("acme"), await edge.tenant("globex")
        key, foreign, gw = api(acme["apiKey"]), api(other["apiKey"]), edge.gateway
        credit = await edge.admin(
            f"/api/admin/accounts/{acme['accountId']}/balance-adjustments", {"amountMinor": 10_000, "reason": "opening"}
        )
        assert credit.status_code == 201, credit.text
        asked = await gw.post("/api/v1/sender-ids", json={"senderId": "ACMEIN", "peId": PE_ID}, headers=key)
        assert asked.status_code == 201, asked.text
        decided = await edge.admin(f"/api/admin/approvals/sender-ids/{asked.json()['id']}", {"decision": "APPROVE"})
        assert decided.status_code == 204, decided.text
        template = await gw.post("/api/v1/templates", json=OTP_TEMPLATE, headers=key)
        assert template.status_code == 201 and template.json()["status"] == "APPROVED", template.text

        # before any traffic: the cards are quiet
        quiet = await eventually(
            lambda: gw.get("/api/v1/anomalies", headers=key), lambda r: r.status_code == 200, "the ai service ready"
        )
        assert quiet.json()["summary"]["riskLevel"] == "LOW" and quiet.json()["total"] == 0, quiet.text

        # the flood: 8 OTPs to one number within a minute, through the public submit
        body = {"recipient": FLOODED, "channel": "SMS", "templateId": template.json()["id"], "senderId": "ACMEIN"}
        for n in range(8):
            sent = await gw.post("/api/v1/messages/submit", json={**body, "variables": [f"{n:06d}"]}, headers=key)
            assert sent.status_code == 202, sent.text

        # Run Detection Now answers with what it found once the subscriber has counted the whole
        # flood (it counts in batches: a run between two may find the flood at 7 of its 8)
        def flooded(r: httpx.Response) -> bool:
            return r.status_code == 200 and any(
                a["type"] == "OTP_FLOOD" and a["evidence"]["otpMessages"] == 8 for a in r.json()["found"]
            )

        detected = await eventually(lambda: gw.post("/api/v1/anomalies/detect", headers=key), flooded, "OTP_FLOOD")
        found = detected.json()
        flood = next(a for a in found["found"] if a["type"] == "OTP_FLOOD")
        assert (flood["kind"], flood["status"], flood["subject"]) == ("ANOMALY", "ACTIVE", FLOODED), flood
        assert flood["evidence"]["otpMessages"] == 8 and flood["severity"] >= 60, flood
        assert found["anomalies"] >= 1 and 0 <= found["fraudProbability"] <= 1

        # the risk summary and the log, filtered by type and status
        page = (await gw.get("/api/v1/anomalies", params={"type": "OTP_FLOOD"}, headers=key)).json()
        summary = page["summary"]
        assert summary["riskScore"] == max(a["severity"] for a in page["items"]) >= 60, summary
        assert summary["riskLevel"] == "HIGH" and summary["anomalies24h"] >= 1 and summary["anomalies1h"] >= 1
        assert summary["active"] >= 1 and summary["fraudReasons"], summary
        assert [a["id"] for a in page["items"]] == [flood["id"]]
        spam = (await gw.get("/api/v1/spam/alerts", headers=key)).json()
        assert [(s["senderId"], s["messages"]) for s in spam["senders"]] == [("ACMEIN", 8)], spam["senders"]
        assert spam["summary"]["activeSenders24h"] == 1

        # another account's key: none of it, and it cannot acknowledge it
        theirs = (await gw.get("/api/v1/anomalies", headers=foreign)).json()
        assert theirs["total"] == 0 and theirs["summary"]["anomalies24h"] == 0, theirs
        assert (await gw.get("/api/v1/spam/alerts", headers=foreign)).json()["senders"] == []
        assert (await gw.post("/api/v1/anomalies/detect", headers=foreign)).json()["found"] == []
        assert_error(await gw.post(f"/api/v1/anomalies/{flood['id']}/acknowledge", headers=foreign), 404, "NOT_FOUND")

        # Acknowledge: reviewed, out of the active count, still in the log
        acked = await gw.post(f"/api/v1/anomalies/{flood['id']}/acknowledge", headers=key)
        assert acked.status_code == 200 and acked.json()["status"] == "ACKNOWLEDGED", acked.text
        after = (await gw.get("/api/v1/anomalies", headers=key)).json()
        assert after["summary"]["active"] == summary["active"] - 1, after["summary"]
        reviewed = (await gw.get("/api/v1/anomalies", params={"status": "ACKNOWLEDGED"}, headers=key)).json()
        assert [a["id"] for a in reviewed["items"]] == [flood["id"]]

        # bad input is the platform's error shape; no key never reaches the ai service
        assert_error(await gw.get("/api/v1/anomalies", params={"status": "DONE"}, headers=key), 422, "VALIDATION_ERROR")
        assert_error(await gw.post("/api/v1/anomalies/0/acknowledge", headers=key), 422, "VALIDATION_ERROR", "alertId")
        assert_error(await gw.get("/api/v1/spam/alerts"), 401, "UNAUTHORIZED", "X-API-Key")
