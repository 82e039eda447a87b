"""The curated lexicons (data/lexicons.yaml) compiled once: per rule its title, severity and
entries, each a pattern with its confidence and rewrite."""

import functools
import re
from dataclasses import dataclass, field
from importlib import resources

import yaml

RULES = tuple(f"CHECK-{n}" for n in range(1, 10))
FLAGS = re.IGNORECASE | re.UNICODE
UNLESS_WINDOW = 30  # characters either side of a match searched for an `unless` pattern
_BOUNDARY = re.compile(r"[.!?।\n]")


@dataclass(frozen=True)
class Entry:
    pattern: re.Pattern[str]
    confidence: float
    suggestion: str | None
    unless: tuple[re.Pattern[str], ...] = ()


@dataclass(frozen=True)
class Rule:
    check: str
    title: str
    severity: float
    fallback_suggestion: str | None
    entries: tuple[Entry, ...]
    unless: tuple[re.Pattern[str], ...]
    extra: dict = field(default_factory=dict)  # rule-specific settings (CHECK-2's opt-out language)


def _compile_all(patterns: list[str] | None) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, FLAGS) for p in patterns or ())


def _rule(check: str, raw: dict) -> Rule:
    entries = tuple(
        Entry(
            pattern=re.compile(e["pattern"], FLAGS),
            confidence=float(e["confidence"]),
            suggestion=e.get("suggestion"),
            unless=_compile_all(e.get("unless")),
        )
        for e in raw.get("entries") or ()
    )
    known = {"title", "severity", "fallback_suggestion", "entries", "unless"}
    return Rule(
        check=check,
        title=raw["title"],
        severity=float(raw["severity"]),
        fallback_suggestion=raw.get("fallback_suggestion"),
        entries=entries,
        unless=_compile_all(raw.get("unless")),
        extra={k: v for k, v in raw.items() if k not in known},
    )


def data_text(name: str) -> str:
    return resources.files("cpaas.ai.domain.compliance").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def rules() -> dict[str, Rule]:
    raw = yaml.safe_load(data_text("lexicons.yaml"))["rules"]
    missing = set(RULES) - set(raw)
    if missing:
        raise ValueError(f"lexicons.yaml lacks {sorted(missing)}")
    return {check: _rule(check, raw[check]) for check in RULES}


def suppressed(text: str, start: int, end: int, unless: tuple[re.Pattern[str], ...]) -> bool:
    """True when an `unless` pattern occurs around text[start:end], within its sentence."""
    if not unless:
        return False
    before = text[max(0, start - UNLESS_WINDOW) : start]
    after = text[end : end + UNLESS_WINDOW]
    before = _BOUNDARY.split(before)[-1]
    after = _BOUNDARY.split(after)[0]
    window = before + text[start:end] + after
    return any(p.search(window) for p in unless)
