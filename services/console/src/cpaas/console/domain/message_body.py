"""The body a message's attempt carried, rendered from its template and the attempt's
variables (reporting keeps the variables per attempt, not the rendered text).

Privacy: the variables of an authentication template (SMS category Auth, WhatsApp
AUTHENTICATION) are one-time codes; the detail shows them masked, so a screen share or a
support colleague never reads a live OTP. Other templates show their variables as sent."""

import json
from collections.abc import Mapping

from cpaas.contracts.templating import render

AUTHENTICATION_CATEGORIES = frozenset({"Auth", "AUTHENTICATION"})
MASK = "••••"


def attempt_variables(value: str | Mapping[str, str] | None) -> dict[str, str]:
    """The attempt's variables as stored (jsonb, read as text); {} when none were kept."""
    if value is None:
        return {}
    return dict(json.loads(value) if isinstance(value, str) else value)


def rendered_body(body: str, category: str | None, variables: Mapping[str, str]) -> str:
    """The template's text with the attempt's variables, masked for an authentication template."""
    if category in AUTHENTICATION_CATEGORIES:
        variables = dict.fromkeys(variables, MASK)
    return render(body, dict(variables))
