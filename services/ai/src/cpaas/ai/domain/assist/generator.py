"""The local AI Assist engine: drafts composed from the curated library for the intent the
template's name shows, shaped by the instructions, placed in the channel's fields, and
compliance-checked. A draft that the check warns about is revised with the check's own
suggestions and checked again; one still warned about, or with a broken variable, or over
a limit, is dropped. Deterministic: the same request gives the same drafts."""

import itertools
import zlib
from dataclasses import dataclass, replace

from cpaas.ai.domain.assist import channels
from cpaas.ai.domain.assist.drafts import Draft, limit_problems, variable_problems
from cpaas.ai.domain.assist.library import IntentSpec, Phrase, library
from cpaas.ai.domain.assist.request import Instructions, Topic, read_instructions, read_topic
from cpaas.ai.domain.compliance import check
from cpaas.ai.domain.compliance.text import CategoryKind, category_kind

MAX_DRAFTS = 3
MAX_CANDIDATES = 24  # compositions tried per request before giving up on more drafts


@dataclass(frozen=True)
class AssistRequest:
    channel: str
    name: str
    category: str | None = None
    instructions: str | None = None


@dataclass(frozen=True)
class Composition:
    """The parts of one draft before they are placed in a channel's fields."""

    language: str
    greeting: str | None
    core: str
    offer: str | None
    closing: str | None
    promotional: bool
    occasion: str | None


def _phrases(spec: IntentSpec, language: str, tone: str) -> list[Phrase]:
    phrases = list(spec.core.get(language) or spec.core["en"])
    preferred = [p for p in phrases if p.tone in (tone, "neutral")] if tone != "neutral" else phrases
    return preferred + [p for p in phrases if p not in preferred]


def _greetings(language: str, tone: str) -> list[str | None]:
    table = library().greetings[language]
    ordered = list(table.get(tone, ())) + [g for t, gs in table.items() if t != tone for g in gs]
    return [*ordered[:2], None]


def compositions(topic: Topic, wants: Instructions, kind: CategoryKind) -> list[Composition]:
    lib = library()
    spec = lib.intents[topic.intent]
    language = wants.language if wants.language in spec.core else "en"
    promotional = spec.kind is CategoryKind.PROMOTIONAL or kind is CategoryKind.PROMOTIONAL
    offers: list[str | None] = [None]
    if wants.offer and promotional:
        offers = list(lib.offers[language])
    authentication = spec.kind is CategoryKind.AUTHENTICATION
    greetings = [None] if authentication else _greetings(language, wants.tone)
    closings: list[str | None] = [*spec.closing.get(language, ()), None]
    if wants.short:
        greetings, closings = [None], [None]
    result = []
    phrases = _phrases(spec, language, wants.tone)
    for core, greeting, closing, offer in itertools.product(phrases, greetings, closings, offers):
        result.append(Composition(language, greeting, core.text, offer, closing, promotional, topic.occasion))
    # the first drafts each use a different core phrasing
    return _interleave(result, key=lambda c: c.core)


def _interleave(items: list[Composition], key) -> list[Composition]:
    groups: dict[str, list[Composition]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return [c for round_ in itertools.zip_longest(*groups.values()) for c in round_ if c is not None]


def _rotation(name: str, count: int) -> int:
    return zlib.crc32(name.encode()) % count if count else 0


def _clean(draft: Draft, category: str | None) -> Draft | None:
    """The draft if it passes the check, else revised once with the check's suggestions."""
    if variable_problems(draft) or limit_problems(draft):
        return None
    verdict = check(draft.checked_text(), draft.channel, category)
    if not verdict.warnings:
        return draft
    body = draft.body
    for warning in sorted(verdict.warnings, key=lambda w: -w.start):
        if warning.text in body:
            body = body.replace(warning.text, warning.suggestion, 1)
    revised = channels.with_body(draft, body)
    if revised is None or variable_problems(revised) or limit_problems(revised):
        return None
    return revised if not check(revised.checked_text(), revised.channel, category).warnings else None


def _notes(topic: Topic, wants: Instructions, kind: CategoryKind, category: str | None) -> tuple[str, ...]:
    notes = []
    spec = library().intents[topic.intent]
    if topic.named_intent and library().intents[topic.named_intent].kind is CategoryKind.PROMOTIONAL:
        notes.append(
            f"The name asks for a promotion, which a {category} template must not carry (DLT and Meta refuse it):"
            " written as an update; create a MIC / MARKETING template for the offer."
        )
    elif topic.named_intent:
        notes.append(f"A {category} template delivers a code: written as a one-time-password message.")
    promotional = spec.kind is CategoryKind.PROMOTIONAL or kind is CategoryKind.PROMOTIONAL
    if wants.offer and not promotional and not topic.named_intent:
        notes.append(f"A discount offer is promotional: not added to this {category or 'non-promotional'} template.")
    return tuple(notes)


def generate(request: AssistRequest) -> list[Draft]:
    """Up to MAX_DRAFTS distinct drafts, each compliant (no warning at all) and well formed."""
    wants = read_instructions(request.instructions)
    topic = read_topic(request.name, request.category, request.channel)
    kind = category_kind(request.category)
    candidates = compositions(topic, wants, kind)
    start = _rotation(request.name, min(len(candidates), 3))
    candidates = candidates[start:] + candidates[:start]
    drafts: list[Draft] = []
    seen: set[str] = set()
    if wants.short:  # too few short drafts: the longer compositions come after the short ones
        candidates += compositions(topic, replace(wants, short=False), kind)
    notes = _notes(topic, wants, kind, request.category)
    for composition in candidates[:MAX_CANDIDATES]:
        draft = channels.place(request.channel, topic, composition, wants)
        if draft is None or draft.body in seen:
            continue
        clean = _clean(draft, request.category)
        if clean is not None and clean.body not in seen:
            drafts.append(replace(clean, notes=notes))
            seen.add(clean.body)
        if len(drafts) == MAX_DRAFTS:
            break
    return drafts
