"""The committed OpenAPI and AsyncAPI documents are what the code generates."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("api_docs", ROOT / "scripts" / "api_docs.py")
api_docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(api_docs)

OPENAPI = api_docs.openapi_documents()


@pytest.mark.parametrize("service", sorted(OPENAPI))
def test_committed_openapi_is_what_the_service_serves(service: str) -> None:
    committed = api_docs.OPENAPI_DIR / f"{service}.json"
    assert committed.exists(), "run: uv run python scripts/api_docs.py"
    assert committed.read_text() == api_docs.render(OPENAPI[service]), "stale; run: uv run python scripts/api_docs.py"


def test_committed_asyncapi_is_what_the_contracts_generate() -> None:
    document = api_docs.asyncapi_document()
    assert api_docs.ASYNCAPI_FILE.read_text() == api_docs.render(document), (
        "stale; run: uv run python scripts/api_docs.py"
    )
    assert any("msg.status" in name for name in document["channels"])


def test_the_gateway_documents_submit_with_its_request_schema() -> None:
    gateway = OPENAPI["gateway"]
    submit = gateway["paths"]["/api/v1/messages/submit"]["post"]
    assert submit["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith("/SubmitRequest")
    assert "fallback" in gateway["components"]["schemas"]["SubmitRequest"]["properties"]
