"""`POST /api/v1/insights` of the ai service, served by uvicorn (lifespan included): the
builtin engine without a model; with a model configured that cannot be reached, every
rewrite is rejected and the builtin texts answer; a rewrite's judgement (numbers not among
the facts rejected); a bad body is 422 VALIDATION_ERROR."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from openai import AsyncOpenAI

from cpaas.ai.app import build_app
from cpaas.ai.domain.insights import insights
from cpaas.ai.domain.insights.rewrite import judge
from cpaas.ai.insights_api import answer
from cpaas.ai.llm.engine import LlmConfig
from cpaas.ai.settings import AiSettings
from cpaas.contracts.analytics import ChannelPerformance, HeatCell, HourPerformance, Intelligence, QuietHours
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings

NOWHERE_PG = PostgresSettings(dsn="postgresql://nobody@127.0.0.1:1/none")
NOWHERE_KAFKA = KafkaSettings(bootstrap_servers="127.0.0.1:1")


def intelligence() -> Intelligence:
    def ch(name, total, delivered):
        return ChannelPerformance(
            channel=name,
            total=total,
            delivered=delivered,
            failed=total - delivered,
            pending=0,
            rate=delivered / total,
            enough_volume=True,
        )

    hours = [
        HourPerformance(
            hour=h, total=50, delivered=45, failed=5, pending=0, rate=0.9, by_channel={"SMS": 40, "RCS": 10}
        )
        for h in range(24)
    ]
    return Intelligence(
        account_id=3,
        time_zone="Asia/Kolkata",
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
        window_days=30,
        min_volume=100,
        total_messages=1500,
        avg_delivery_rate=0.9,
        best_channel=ch("SMS", 1000, 950),
        channels=[ch("SMS", 1000, 950), ch("RCS", 500, 400)],
        hours_last_7_days=hours,
        heatmap=[HeatCell(weekday=d, hour=h, total=8) for d in range(7) for h in range(24)],
        senders=[],
        failure_causes=[],
        quiet_hours=QuietHours(campaign_messages=200, in_quiet_hours=20, share=0.1),
    )


async def _served(settings: AiSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with (
        serving(build_app(settings), bind_socket()) as port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as http,
    ):
        yield http


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async for http in _served(AiSettings(llm_base_url=None, llm_model=None, postgres=NOWHERE_PG, kafka=NOWHERE_KAFKA)):
        yield http


async def test_builtin_engine_answers_the_facts_insights(client):
    facts = intelligence()
    response = await client.post("/api/v1/insights", json=facts.model_dump(mode="json"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["engine"] == "builtin" and body["model"] is None
    assert body["insights"] == [i.model_dump(mode="json") for i in insights(facts)]
    kinds = {i["kind"] for i in body["insights"]}
    assert {"quiet_hours", "underperforming_channel", "best_window"} <= kinds
    rcs = next(i for i in body["insights"] if i["kind"] == "underperforming_channel")
    assert rcs["facts"]["gap_pp"] == 15.0 and "15.0 percentage points" in rcs["text"]


async def test_bad_facts_are_422_validation_error(client):
    bad = intelligence().model_dump(mode="json") | {"window_days": "thirty"}
    response = await client.post("/api/v1/insights", json=bad)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_an_unreachable_model_leaves_the_builtin_texts_and_says_so():
    settings = AiSettings(
        llm_base_url="http://127.0.0.1:1/v1",
        llm_model="nowhere",
        llm_timeout_seconds=2,
        postgres=NOWHERE_PG,
        kafka=NOWHERE_KAFKA,
    )
    facts = intelligence()
    async for http in _served(settings):
        response = await http.post("/api/v1/insights", json=facts.model_dump(mode="json"))
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["engine"] == "builtin" and body["model"] == "nowhere"
        assert [i["text"] for i in body["insights"]] == [i.text for i in insights(facts)]
        assert response.headers["X-Insights-Rewritten"] == ""
        assert response.headers["X-Insights-Rejected"] == str(len(body["insights"]))


def test_a_rewrite_with_only_cited_numbers_is_kept_and_one_inventing_a_number_is_not():
    rcs = next(i for i in insights(intelligence()) if i.kind == "underperforming_channel")
    kept = judge(rcs, " RCS trails SMS by 15.0 percentage points (80.0% against 95.0%) over 500 messages. ")
    assert kept.rewritten and kept.insight.text.startswith("RCS trails SMS by 15.0") and kept.insight.facts == rcs.facts
    invented = judge(rcs, "RCS trails SMS by 15 points; expect 20% more deliveries if you move traffic.")
    assert not invented.rewritten and invented.insight == rcs
    assert "15, 20" in (invented.reason or "")
    empty = judge(rcs, "  ")
    assert not empty.rewritten and "characters" in (empty.reason or "")


async def test_rewrites_stop_when_the_time_budget_runs_out():
    client = AsyncOpenAI(base_url="http://127.0.0.1:1/v1", api_key="none", max_retries=0)
    config = LlmConfig(model="nowhere", timeout_seconds=2, max_tokens=100, temperature=0)
    facts = intelligence()
    try:
        got = await answer(facts, client, config, budget_seconds=0)
    finally:
        await client.close()
    assert got.insights.engine == "builtin" and got.rewritten == []
    assert [i.text for i in got.insights.insights] == [i.text for i in insights(facts)]
    assert set(got.rejected.values()) == {"the model's time budget for this answer ran out"}
