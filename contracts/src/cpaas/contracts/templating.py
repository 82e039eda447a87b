"""How template variables map onto placeholders, shared by the gateway (which checks a
submit has every variable), the connectors (which render) and the console (previews).

Two placeholder styles exist: DLT's anonymous `{#var#}` (SMS templates registered on
India's DLT portal) filled in order, and numbered `{{1}}`, `{{2}}` (WhatsApp style, also
used by RCS and voice templates). Variables are positional: `{"1": "A-1042", "2": "5"}`
(an API client may send a plain list, which the gateway numbers from 1).
"""

import re
from collections.abc import Mapping

DLT_PLACEHOLDER = re.compile(r"\{#var#\}", re.IGNORECASE)
NUMBERED_PLACEHOLDER = re.compile(r"\{\{\s*(\d{1,2})\s*\}\}")
MAX_VARIABLE_LENGTH = 500  # characters; DLT allows 30 per variable, WhatsApp far more
# Refused in a variable: the C0 controls except tab and newline (NUL, CR, ESC, ...), DEL and
# the C1 controls. No carrier renders them, SMPP and C-based SMSCs end a string at NUL,
# and PostgreSQL's jsonb cannot store NUL; tab and newline are text (an SMS or WhatsApp
# body may break lines; WhatsApp's own limits on template parameters are Meta's to check).
FORBIDDEN_VARIABLE_CHARACTER = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def placeholder_count(text: str) -> int:
    """How many variables a template text needs."""
    numbered = {int(n) for n in NUMBERED_PLACEHOLDER.findall(text)}
    return len(DLT_PLACEHOLDER.findall(text)) + (max(numbered) if numbered else 0)


def normalize_variables(variables: list[str] | dict[str, str] | None) -> dict[str, str]:
    """A list becomes {"1": first, "2": second, ...}; a dict is kept (keys as strings)."""
    if variables is None:
        return {}
    if isinstance(variables, list):
        return {str(i): str(v) for i, v in enumerate(variables, start=1)}
    return {str(k): str(v) for k, v in variables.items()}


def forbidden_character(value: str) -> str | None:
    """The first character of `value` that a variable may not hold, as U+XXXX; else None."""
    found = FORBIDDEN_VARIABLE_CHARACTER.search(value)
    return f"U+{ord(found.group()):04X}" if found else None


def missing_variables(text: str, variables: Mapping[str, str]) -> list[str]:
    """The positions (as strings) the template needs that `variables` lacks."""
    return missing_positions(placeholder_count(text), variables)


def missing_positions(needed: int, variables: Mapping[str, str]) -> list[str]:
    """The positions 1..`needed` (as strings) that `variables` lacks; `needed` is a
    template's placeholder_count, for a reader that counted it once (the gateway's cache)."""
    return [str(i) for i in range(1, needed + 1) if str(i) not in variables]


def render(text: str, variables: dict[str, str]) -> str:
    """Fill `{#var#}` placeholders in order, then `{{n}}` ones by number.

    DLT placeholders take positions 1..k in order of appearance; numbered placeholders
    after them are offset by k, so a text never mixes the two in practice.
    """
    counter = iter(range(1, 10_000))

    def dlt(_: re.Match[str]) -> str:
        return variables.get(str(next(counter)), "")

    rendered = DLT_PLACEHOLDER.sub(dlt, text)
    offset = len(DLT_PLACEHOLDER.findall(text))
    return NUMBERED_PLACEHOLDER.sub(lambda m: variables.get(str(int(m.group(1)) + offset), ""), rendered)
