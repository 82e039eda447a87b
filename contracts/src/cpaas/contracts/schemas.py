"""Export of the JSON Schema of every event envelope, for `contracts/schemas/`.

`python -m cpaas.contracts.schemas` rewrites the committed files; a test fails when a
committed schema differs from what the models produce.
"""

import json
import sys
from pathlib import Path

from cpaas.contracts.events import EVENT_TYPES, CloudEvent

SCHEMA_DIR = Path(__file__).resolve().parents[3] / "schemas"
EXAMPLE_DIR = Path(__file__).resolve().parents[3] / "examples"


def schema_documents() -> dict[str, str]:
    """File name -> JSON text, one per event type."""
    documents = {}
    for event_type, model in sorted(EVENT_TYPES.items()):
        schema = CloudEvent[model].model_json_schema(mode="serialization")  # type: ignore[valid-type]
        schema["$id"] = f"urn:cpaas:schema:{event_type}"
        schema["title"] = event_type
        documents[f"{event_type}.json"] = json.dumps(schema, indent=2, sort_keys=True) + "\n"
    return documents


def main() -> int:
    SCHEMA_DIR.mkdir(exist_ok=True)
    for name, text in schema_documents().items():
        (SCHEMA_DIR / name).write_text(text)
        print(f"wrote {SCHEMA_DIR / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
