"""Every number an insight's text states must be one of its `facts`, written the same way:
an int as `1,234` or `1234`, a float with one decimal (`92.5`), and the numbers inside a
string fact (`09:00`, `131026`) as they are written there. The builtin engine is held to
it by its tests, and a model's rewrite that breaks it is rejected."""

import re

from cpaas.contracts.analytics import Insight

# a number as a text writes it: 1,234 (thousands grouped), 92.5, 09, 0x00000045's digit runs
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?")


def numbers_in(text: str) -> list[str]:
    """The numbers `text` states, thousands separators dropped: "1,234 of 92.5%" -> ["1234", "92.5"]."""
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(text)]


def fmt(value: float | int) -> str:
    """How the text writes a fact's number: ints grouped by thousands, floats to one decimal."""
    if isinstance(value, bool) or not isinstance(value, int):
        return f"{value:.1f}"
    return f"{value:,}"


def pct(rate: float | None) -> float:
    """A 0..1 rate as a percentage rounded to one decimal (the way facts hold rates)."""
    return round((rate or 0.0) * 100, 1)


def allowed(facts: dict[str, float | int | str]) -> set[str]:
    """The numbers a text about `facts` may state."""
    out: set[str] = set()
    for value in facts.values():
        out.update(numbers_in(value if isinstance(value, str) else fmt(value)))
    return out


def uncited(text: str, facts: dict[str, float | int | str]) -> list[str]:
    """The numbers of `text` that are not among `facts` (empty: every number is cited)."""
    ok = allowed(facts)
    return [n for n in numbers_in(text) if n not in ok]


def cited(insight: Insight) -> bool:
    """True when every number of the insight's title and text is one of its facts."""
    return not uncited(f"{insight.title}\n{insight.text}", insight.facts)
