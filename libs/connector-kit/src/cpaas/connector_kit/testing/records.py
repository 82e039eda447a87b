"""The console's records (`cpaas.control_plane`) as a connector's unit tests build them:
every field a neutral default, the test names what matters to it."""

from typing import Any

from cpaas.contracts.templating import placeholder_count
from cpaas.control_plane import Template


def template(**fields: Any) -> Template:
    """An APPROVED SMS template of account 1 unless `fields` say otherwise."""
    values: dict[str, Any] = {
        "id": 1,
        "account_id": 1,
        "name": "template",
        "channel": "SMS",
        "status": "APPROVED",
        "category": None,
        "template_type": "TEXT",
        "body": "",
        "language": "en",
        "content": {},
        "dlt_template_id": None,
        "waba_number_id": None,
        "rcs_bot_id": None,
        "provider_template_id": None,
        "provider_status": None,
        **fields,
    }
    values.setdefault("variable_count", placeholder_count(values["body"]))
    return Template(**values)
