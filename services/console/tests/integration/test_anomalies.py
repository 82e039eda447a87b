"""The Traffic Anomaly and Spam Detection screens' routes through the console, against the real
ai service (its own app served over HTTP on the real Kafka and PostgreSQL): an OTP flood of a
tenant the admin created (its submit events published on Kafka as the gateway publishes them)
is on the tenant's cards and log after Run Detection Now, acknowledged out of the active count;
another account's user sees none of it; the ai service down is a clear 503."""

import asyncio
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from cpaas.ai.app import build_app as build_ai
from cpaas.ai.settings import AiSettings
from cpaas.billing.app import build_app as build_billing
from cpaas.billing.settings import BillingSettings
from cpaas.console.app import build_app
from cpaas.console.seed import seed
from cpaas.console.settings import ConsoleSettings
from cpaas.contracts import Channel, MessageSubmittedV1
from cpaas.contracts.ids import new_message_id
from cpaas.contracts.topics import SUBMIT_TOPICS
from cpaas.platform.broker import EventPublisher, make_broker
from cpaas.platform.serve import bind_socket, serving

from .conftest import BILLING_URL, Console, refused_port, service_client

pytestmark = pytest.mark.integration

WAIT_SECONDS = 30
FLOODED = "+919811100777"


async def until(fetch, done, what: str):
    deadline = time.monotonic() + WAIT_SECONDS
    while not done(answer := await fetch()):
        assert time.monotonic() < deadline, f"not in {WAIT_SECONDS} s: {what}"
        await asyncio.sleep(0.2)
    return answer


async def publish_otps(kafka_settings, account_id: int, n: int) -> None:
    """n OTP submits to one number, as the gateway publishes them on msg.submit.sms."""
    broker = make_broker(kafka_settings, client_id="test-gateway")
    await broker.start()
    try:
        events = [
            MessageSubmittedV1(
                message_id=new_message_id(),
                account_id=account_id,
                channel=Channel.SMS,
                recipient=FLOODED,
                template_id=1,
                template_name="login_otp",
                sender_id="RISKCO",
                variables={"1": uuid.uuid4().hex[:6]},
                submitted_at=datetime.now(UTC),
            )
            for _ in range(n)
        ]
        await EventPublisher(broker, kafka_settings, source="gateway").publish_many(
            (SUBMIT_TOPICS[Channel.SMS].name, e, e.message_id) for e in events
        )
    finally:
        await broker.stop()


async def test_an_otp_flood_is_on_the_tenants_screens_and_acknowledged(
    kafka_settings, pg_settings, tmp_path: Path
) -> None:
    creds = await seed(pg_settings, tmp_path / "creds.json")
    billing = build_billing(BillingSettings(kafka=kafka_settings, postgres=pg_settings))
    ai = build_ai(
        AiSettings(kafka=kafka_settings, postgres=pg_settings, batch_timeout_ms=5, shutdown_grace_seconds=2),
        detect_every_seconds=3600,
    )
    ai_sock = bind_socket()
    http = service_client(billing=billing)  # billing in-process; the ai service over real HTTP
    settings = ConsoleSettings(
        kafka=kafka_settings,
        postgres=pg_settings,
        billing_url=BILLING_URL,
        gateway_url=f"http://127.0.0.1:{refused_port()}",
        ai_url=f"http://127.0.0.1:{ai_sock.getsockname()[1]}",
    )
    app = build_app(settings, http=http)
    async with billing.router.lifespan_context(billing), app.router.lifespan_context(app):
        console = Console(app, creds, http, [])
        admin = await console.admin()
        made = await admin.post("/api/admin/users", json={"username": "risk_ops", "accountName": "Risk Co"})
        assert made.status_code == 201, made.text
        tenant = made.json()
        user = await console.login("risk_ops", tenant["password"])
        demo = await console.user()  # another account's user

        async with serving(ai, ai_sock):
            first = await until(lambda: user.get("/api/anomalies"), lambda r: r.status_code == 200, "ai ready")
            assert first.json()["summary"]["riskLevel"] == "LOW" and first.json()["items"] == []

            await publish_otps(kafka_settings, tenant["accountId"], 7)

            def flood_found(r: httpx.Response) -> bool:
                return r.status_code == 200 and any(
                    a["type"] == "OTP_FLOOD" and a["evidence"]["otpMessages"] == 7 for a in r.json()["found"]
                )

            found = (await until(lambda: user.post("/api/anomalies/detect"), flood_found, "OTP_FLOOD")).json()
            flood = next(a for a in found["found"] if a["type"] == "OTP_FLOOD")
            assert (flood["subject"], flood["evidence"]["otpMessages"], flood["status"]) == (FLOODED, 7, "ACTIVE")

            page = (await user.get("/api/anomalies", params={"type": "OTP_FLOOD", "status": "ACTIVE"})).json()
            assert [a["id"] for a in page["items"]] == [flood["id"]] and page["total"] == 1
            summary = page["summary"]
            assert summary["riskLevel"] == "HIGH" and summary["riskScore"] >= 60 and summary["anomalies1h"] >= 1
            spam = (await user.get("/api/spam/alerts")).json()
            assert [(s["senderId"], s["messages"]) for s in spam["senders"]] == [("RISKCO", 7)]

            theirs = await demo.get("/api/anomalies")
            assert theirs.json()["total"] == 0 and theirs.json()["summary"]["anomalies24h"] == 0
            stolen = await demo.post(f"/api/anomalies/{flood['id']}/acknowledge")
            assert stolen.status_code == 404 and stolen.json()["error"]["code"] == "NOT_FOUND", stolen.text

            acked = await user.post(f"/api/anomalies/{flood['id']}/acknowledge")
            assert acked.status_code == 200 and acked.json()["status"] == "ACKNOWLEDGED", acked.text
            after = (await user.get("/api/anomalies")).json()["summary"]
            assert after["active"] == summary["active"] - 1

            bad = await user.get("/api/anomalies", params={"status": "DONE"})
            assert bad.status_code == 422 and bad.json()["error"]["field"] == "status", bad.text
            wrong_csrf = await user.post("/api/anomalies/detect", headers={"X-CSRF-Token": "wrong"})
            assert wrong_csrf.status_code == 403, wrong_csrf.text

        # the ai service gone: a clear 503, never a 500
        down = await user.get("/api/spam/alerts")
        assert down.status_code == 503 and down.json()["error"]["code"] == "SERVICE_UNAVAILABLE", down.text
        for client in console.clients:
            await client.aclose()
    await http.aclose()
