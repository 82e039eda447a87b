"""Placing a composition in one channel's fields: WhatsApp header, body, footer and
buttons; SMS body with {#var#} in one GSM-7 segment where it can; RCS text with up to 4
suggestions; voice text. Promotions get opt-out language (the footer on WhatsApp)."""

import re
from dataclasses import replace
from typing import TYPE_CHECKING

from cpaas.ai.domain.assist.drafts import (
    BUTTON_TEXT_MAX,
    DLT_VARIABLE_MAX,
    RCS_MAX_SUGGESTIONS,
    WA_FOOTER_MAX,
    WA_HEADER_MAX,
    Draft,
    Variable,
    number_slots,
    render_example,
    sms_segments,
)
from cpaas.ai.domain.assist.library import library
from cpaas.ai.domain.assist.request import Instructions, Topic
from cpaas.ai.domain.compliance.text import CategoryKind
from cpaas.contracts.templating import NUMBERED_PLACEHOLDER

if TYPE_CHECKING:
    from cpaas.ai.domain.assist.generator import Composition

SUGGESTION_TYPES = {"URL": "OPEN_URL", "QUICK_REPLY": "REPLY", "PHONE_NUMBER": "DIAL"}


def _occasion(text: str, occasion: str | None, language: str) -> str:
    names = library().occasions.get(occasion or "", {})
    english = names.get("en", "the season")
    text = text.replace("{occasion_cap}", english[:1].upper() + english[1:])
    text = text.replace("{occasion_hi}", names.get("hi", "इस मौसम"))
    text = text.replace("{occasion_title}", english.removeprefix("the ").title())
    return text.replace("{occasion}", english)


def _body_parts(channel: str, composition: "Composition") -> list[str]:
    lib = library()
    parts = [composition.greeting, composition.core, composition.offer, composition.closing]
    if composition.promotional and channel != "WHATSAPP":
        key = {"SMS": "sms", "RCS": "rcs", "VOICE": "voice"}[channel]
        parts.append(lib.opt_out[composition.language][key])
    placed = [_occasion(p, composition.occasion, composition.language) for p in parts if p]
    if composition.greeting and composition.greeting.endswith(",") and len(placed) > 1:
        placed[1] = _continue_sentence(placed[1])
    return placed


def _continue_sentence(text: str) -> str:
    """After "Dear <name>," the sentence goes on in lower case (not a name or an acronym)."""
    word = text.split(" ", 1)[0]
    proper = {o["en"] for o in library().occasions.values()}
    if word.startswith("<") or word.isupper() or word.rstrip("!,.") in proper or not word[:1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _variables(names: list[str], channel: str) -> tuple[Variable, ...]:
    examples = library().examples
    limit = DLT_VARIABLE_MAX if channel == "SMS" else None
    return tuple(Variable(i, n, examples.get(n, n)[: limit or None], limit) for i, n in enumerate(names, start=1))


def _sms_fit(parts: list[str], composition: "Composition") -> str:
    """The longest version (greeting and closing dropped in turn) that fits one segment
    with the example values filled in; the shortest one if none fits (UCS-2 Hindi)."""
    versions = [parts]
    if composition.closing:
        versions.append([p for p in versions[-1] if p != composition.closing])
    if composition.greeting:
        versions.append([p for p in versions[-1] if p != composition.greeting])
    for version in versions:
        body, names = number_slots(" ".join(version), "SMS", library().examples)
        if sms_segments(render_example(body, "SMS", _variables(names, "SMS")))[0] == 1:
            return " ".join(version)
    return " ".join(versions[-1])


def _whatsapp_content(topic: Topic, composition: "Composition", wants: Instructions, body: str) -> dict:
    lib = library()
    spec = lib.intents[topic.intent]
    language = composition.language
    content: dict = {}
    headers = [_occasion(h, composition.occasion, language) for h in spec.header.get(language, spec.header["en"])]
    if composition.occasion is None and len(headers) > 1 and "{occasion" in spec.header["en"][0]:
        headers = headers[1:]
    if spec.kind is not CategoryKind.AUTHENTICATION and headers and len(headers[0]) <= WA_HEADER_MAX:
        content["header"] = {"type": "TEXT", "text": headers[0]}
    footer = None
    if composition.promotional:
        footer = lib.opt_out[language]["footer"]
    elif spec.kind is CategoryKind.AUTHENTICATION and "10" not in body:
        footer = lib.footers[language]["authentication"]
    elif wants.tone == "formal":
        footer = lib.footers[language]["transactional"]
    if footer and len(footer) <= WA_FOOTER_MAX:
        content["footer"] = footer
    buttons = [] if spec.kind is CategoryKind.AUTHENTICATION else [dict(b) for b in spec.buttons]
    if composition.promotional and not any(b["text"] == "Stop promotions" for b in buttons):
        buttons.append({"type": "QUICK_REPLY", "text": "Stop promotions"})
    content["buttons"] = [b for b in buttons if len(b["text"]) <= BUTTON_TEXT_MAX]
    return content


def _rcs_content(topic: Topic) -> dict:
    suggestions = []
    for button in library().intents[topic.intent].buttons[:RCS_MAX_SUGGESTIONS]:
        kind = SUGGESTION_TYPES[button["type"]]
        suggestion = {"type": kind, "text": button["text"]}
        if kind == "OPEN_URL":
            suggestion["url"] = button["url"]
        elif kind == "DIAL":
            suggestion["phoneNumber"] = button["phoneNumber"]
        else:
            suggestion["postbackData"] = re.sub(r"\W+", "_", button["text"].lower()).strip("_")
        suggestions.append(suggestion)
    return {"suggestions": suggestions}


def place(channel: str, topic: Topic, composition: "Composition", wants: Instructions) -> Draft | None:
    parts = _body_parts(channel, composition)
    text = _sms_fit(parts, composition) if channel == "SMS" else " ".join(parts)
    body, names = number_slots(text, channel, library().examples)
    content: dict = {}
    if channel == "WHATSAPP":
        content = _whatsapp_content(topic, composition, wants, body)
    elif channel == "RCS":
        content = _rcs_content(topic)
    elif channel == "VOICE":
        content = {"language": "hi-IN" if composition.language == "hi" else "en-IN"}
    draft = Draft(channel, composition.language, topic.intent, body, content, _variables(names, channel))
    return _measured(draft)


def build(channel: str, language: str, intent: str, text: str, content: dict, notes: tuple[str, ...] = ()) -> Draft:
    """A draft from a body written with <slot> markers (the LLM path's repaired output)."""
    body, names = number_slots(text, channel, library().examples)
    return _measured(Draft(channel, language, intent, body, content, _variables(names, channel), notes=notes))


def default_content(channel: str, topic: Topic, composition: "Composition", wants: Instructions) -> dict:
    """The fields besides the body that the local engine would fill for this intent."""
    if channel == "WHATSAPP":
        return _whatsapp_content(topic, composition, wants, "")
    if channel == "RCS":
        return _rcs_content(topic)
    if channel == "VOICE":
        return {"language": "hi-IN" if composition.language == "hi" else "en-IN"}
    return {}


def _measured(draft: Draft) -> Draft:
    if draft.channel != "SMS":
        return draft
    segments, encoding = sms_segments(draft.body)
    example, _ = sms_segments(render_example(draft.body, "SMS", draft.variables))
    return replace(draft, segments=segments, encoding=encoding, example_segments=example)


def with_body(draft: Draft, body: str) -> Draft | None:
    """The draft with a revised body, its variables renumbered from what is left."""
    if draft.channel == "SMS":
        count = body.count("{#var#}")
        variables = draft.variables[:count] if count <= len(draft.variables) else None
    else:
        kept = sorted({int(n) for n in NUMBERED_PLACEHOLDER.findall(body)})
        by_index = {v.index: v for v in draft.variables}
        variables = tuple(by_index[n] for n in kept if n in by_index) if kept == list(range(1, len(kept) + 1)) else None
    if variables is None:
        return None
    return _measured(replace(draft, body=body, variables=variables))
