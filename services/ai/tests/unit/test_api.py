"""The AI service's HTTP API, served by uvicorn on a free port (lifespan included) and
called with httpx: the compliance check, AI Assist on the local engine, errors, ops."""

from collections.abc import AsyncIterator

import httpx
import pytest

from cpaas.ai.app import build_app
from cpaas.ai.settings import AiSettings
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings

NOWHERE_PG = PostgresSettings(dsn="postgresql://nobody@127.0.0.1:1/none")
NOWHERE_KAFKA = KafkaSettings(bootstrap_servers="127.0.0.1:1")
TOKEN = {"X-Service-Token": "local-dev-service-token"}


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # no PostgreSQL or Kafka here: the content features answer without them (anomaly detection,
    # which needs both, keeps retrying and /readyz says so; tests/integration/test_anomaly.py)
    app = build_app(AiSettings(llm_base_url=None, llm_model=None, postgres=NOWHERE_PG, kafka=NOWHERE_KAFKA))
    async with (
        serving(app, bind_socket()) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):
        yield http


async def test_check_answers_score_level_and_warnings_with_spans(client):
    response = await client.post(
        "/api/v1/compliance/check",
        json={"text": "URGENT! share your OTP at bit.ly/x", "channel": "SMS", "category": "UIC"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["riskLevel"] == "HIGH" and body["riskScore"] >= 60
    found = {w["check"]: w for w in body["warnings"]}
    assert {"CHECK-6", "CHECK-7", "CHECK-9"} <= found.keys()
    assert found["CHECK-6"]["span"] == {"start": 26, "end": 34, "text": "bit.ly/x"}
    assert all(w["title"] and w["suggestion"] for w in body["warnings"])


async def test_check_of_a_delivered_otp_is_low(client):
    response = await client.post(
        "/api/v1/compliance/check",
        json={"text": "Your OTP is {#var#}. Do not share it with anyone.", "channel": "SMS", "category": "Auth"},
    )
    assert response.json() == {"riskScore": 0, "riskLevel": "LOW", "warnings": []}


async def test_assist_gives_local_drafts_that_the_check_passes(client):
    response = await client.post(
        "/api/v1/templates/assist",
        json={
            "channel": "WHATSAPP",
            "name": "diwali_offer_2025",
            "category": "MARKETING",
            "instructions": "include a discount offer",
        },
    )
    assert response.status_code == 200
    body = response.json()
    assert body["engine"] == "local" and "fallbackReason" not in body and len(body["drafts"]) >= 2
    for draft in body["drafts"]:
        text = "\n".join([draft["content"]["header"]["text"], draft["body"], draft["content"]["footer"]])
        checked = await client.post(
            "/api/v1/compliance/check", json={"text": text, "channel": "WHATSAPP", "category": "MARKETING"}
        )
        assert checked.json()["riskLevel"] == "LOW" and checked.json()["warnings"] == []
        assert draft["variables"][0] == {"index": 1, "name": "name", "example": "Priya"}


async def test_bad_requests_get_the_platform_error_shape(client):
    unknown_channel = await client.post("/api/v1/compliance/check", json={"text": "hi", "channel": "FAX"})
    assert unknown_channel.status_code == 422
    assert (
        unknown_channel.json()["error"]["code"] == "VALIDATION_ERROR"
        and unknown_channel.json()["error"]["field"] == "channel"
    )
    bad_category = await client.post(
        "/api/v1/templates/assist", json={"channel": "SMS", "name": "otp", "category": "GOLD"}
    )
    assert bad_category.status_code == 422 and bad_category.json()["error"]["field"] == "category"
    too_long = await client.post("/api/v1/compliance/check", json={"text": "a" * 5000, "channel": "SMS"})
    assert too_long.status_code == 422 and too_long.json()["error"]["field"] == "text"
    not_json = await client.post("/api/v1/compliance/check", content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 400 and not_json.json()["error"]["code"] == "INVALID_JSON"


async def test_ops_endpoints(client):
    assert (await client.get("/healthz")).status_code == 200
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["anomaly"] == "failing"
    assert (await client.get("/internal/v1/accounts/1/anomalies", headers=TOKEN)).json()["error"]["code"] == (
        "SERVICE_UNAVAILABLE"
    )
    assert "http_requests" in (await client.get("/metrics")).text


async def test_an_unreachable_model_falls_back_to_the_local_engine_and_says_so():
    settings = AiSettings(llm_base_url="http://127.0.0.1:9/v1", llm_model="any", llm_timeout_seconds=3)
    async with (
        serving(build_app(settings), bind_socket()) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):
        response = await http.post(
            "/api/v1/templates/assist", json={"channel": "SMS", "name": "otp_alert", "category": "Auth"}
        )
    body = response.json()
    assert body["engine"] == "local" and body["drafts"]
    assert body["fallbackReason"].startswith("the model failed: APIConnectionError")
