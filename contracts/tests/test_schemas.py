"""The committed JSON Schemas and examples stay true to the models."""

import json
from pathlib import Path

import jsonschema
import pytest

from cpaas.contracts.events import EVENT_TYPES, CloudEvent
from cpaas.contracts.schemas import EXAMPLE_DIR, SCHEMA_DIR, schema_documents

DOCUMENTS = schema_documents()


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_committed_schema_matches_its_model(name: str) -> None:
    committed = SCHEMA_DIR / name
    assert committed.exists(), f"{name} is not committed; run python -m cpaas.contracts.schemas"
    assert committed.read_text() == DOCUMENTS[name], (
        f"{name} differs from the model; run python -m cpaas.contracts.schemas and commit"
    )


def test_no_stale_schema_files() -> None:
    assert sorted(p.name for p in SCHEMA_DIR.glob("*.json")) == sorted(DOCUMENTS)


@pytest.mark.parametrize("example", sorted(EXAMPLE_DIR.glob("*.json")), ids=lambda p: p.name)
def test_example_validates_against_schema_and_model(example: Path) -> None:
    event_type = example.name.removesuffix(".json")
    payload = json.loads(example.read_text())
    schema = json.loads((SCHEMA_DIR / f"{event_type}.json").read_text())
    jsonschema.validate(payload, schema)
    parsed = CloudEvent[EVENT_TYPES[event_type]].model_validate(payload)
    assert parsed.type == event_type


def test_every_event_type_has_an_example() -> None:
    assert sorted(p.name.removesuffix(".json") for p in EXAMPLE_DIR.glob("*.json")) == sorted(EVENT_TYPES)


def test_schema_rejects_a_payload_missing_a_required_field() -> None:
    payload = json.loads((EXAMPLE_DIR / "cpaas.message.submitted.v1.json").read_text())
    del payload["data"]["recipient"]
    schema = json.loads((SCHEMA_DIR / "cpaas.message.submitted.v1.json").read_text())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(payload, schema)
