"""The curated library of compliant phrasings (data/phrasings.yaml), loaded once."""

import functools
from dataclasses import dataclass
from importlib import resources

import yaml

from cpaas.ai.domain.compliance.text import CategoryKind


@dataclass(frozen=True)
class Phrase:
    text: str
    tone: str  # formal | friendly | neutral


@dataclass(frozen=True)
class IntentSpec:
    name: str
    keywords: frozenset[str]
    kind: CategoryKind
    header: dict[str, tuple[str, ...]]
    core: dict[str, tuple[Phrase, ...]]
    closing: dict[str, tuple[str, ...]]
    buttons: tuple[dict, ...]


@dataclass(frozen=True)
class Library:
    intents: dict[str, IntentSpec]
    greetings: dict[str, dict[str, tuple[str, ...]]]
    offers: dict[str, tuple[str, ...]]
    opt_out: dict[str, dict[str, str]]
    footers: dict[str, dict[str, str]]
    occasions: dict[str, dict[str, str]]
    examples: dict[str, str]
    weak_tokens: frozenset[str]


def _intent(name: str, raw: dict) -> IntentSpec:
    return IntentSpec(
        name=name,
        keywords=frozenset(raw["keywords"]),
        kind=CategoryKind(raw["kind"]),
        header={lang: tuple(v) for lang, v in raw["header"].items()},
        core={lang: tuple(Phrase(p["text"], p.get("tone", "neutral")) for p in v) for lang, v in raw["core"].items()},
        closing={lang: tuple(v) for lang, v in raw["closing"].items()},
        buttons=tuple(raw.get("buttons") or ()),
    )


@functools.cache
def library() -> Library:
    text = resources.files("cpaas.ai.domain.assist").joinpath("data", "phrasings.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return Library(
        intents={name: _intent(name, spec) for name, spec in raw["intents"].items()},
        greetings={lang: {tone: tuple(v) for tone, v in tones.items()} for lang, tones in raw["greetings"].items()},
        offers={lang: tuple(v) for lang, v in raw["offers"].items()},
        opt_out=raw["opt_out"],
        footers=raw["footers"],
        occasions=raw["occasions"],
        examples={k: str(v) for k, v in raw["examples"].items()},
        weak_tokens=frozenset(raw["weak_tokens"]),
    )
