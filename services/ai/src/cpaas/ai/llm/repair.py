"""From a model's answer to drafts: parse it (JSON as asked, or plain text when a small
model ignores the format), repair what can be repaired (placeholders in the channel's
style and numbered 1..n, markdown and preambles stripped, lengths cut at a sentence, opt-out
added to promotions, the compliance check's own suggestions applied, sentences that
still carry a warning removed) and drop what cannot. No I/O."""

import json
import re
from dataclasses import dataclass, field

from cpaas.ai.domain.assist import channels
from cpaas.ai.domain.assist.drafts import (
    BUTTON_TEXT_MAX,
    WA_BODY_MAX,
    WA_FOOTER_MAX,
    WA_HEADER_MAX,
    Draft,
    limit_problems,
    variable_problems,
)
from cpaas.ai.domain.assist.library import library
from cpaas.ai.domain.compliance import check
from cpaas.ai.domain.compliance.text import split_sentences

MAX_BODY_CHARS = {"WHATSAPP": WA_BODY_MAX, "SMS": 320, "RCS": 1000, "VOICE": 600}
# what models write for a variable: {{1}}, {{ name }}, {#var#}, {name}, [name], <name>
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}|\{#\s*var\s*#\}|\{(\w+)\}|\[(\w[\w ]{0,20})\]|<(\w+)>", re.I)
PREAMBLE = re.compile(
    r"^\s*(?:here (?:is|are)[^:\n]*:|sure[^:\n]*:|(?:draft|body|message|text|sms)\s*\d*\s*:)\s*", re.I
)
FENCE = re.compile(r"```(?:json)?|`")
REPAIR_ROUNDS = 2


@dataclass
class Outcome:
    drafts: list[Draft] = field(default_factory=list)
    received: int = 0  # drafts (or texts) found in the answer
    repairs: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # why each dropped draft was dropped


def parse_answer(text: str) -> list[dict]:
    """The drafts in a model's answer: its JSON if it has any, else the text as one body."""
    cleaned = FENCE.sub("", text or "").strip()
    start = cleaned.find("{")
    if start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(cleaned[start:])
            items = value.get("drafts", [value]) if isinstance(value, dict) else value
            drafts = [d for d in items if isinstance(d, dict) and isinstance(d.get("body"), str) and d["body"].strip()]
            if drafts:
                return drafts
        except (json.JSONDecodeError, AttributeError, TypeError):
            pass
    body = PREAMBLE.sub("", cleaned).strip().strip('"').strip()
    return [{"body": body}] if body else []


def to_slots(body: str) -> str:
    """Any placeholder spelling -> <slot> markers; numbered ones keep their order."""
    counter = iter(range(1, 100))

    def slot(match: re.Match[str]) -> str:
        name = next(g for g in match.groups() if g) if any(match.groups()) else f"var{next(counter)}"
        name = re.sub(r"\W+", "_", name.strip().lower())
        return f"<v{name}>" if name.isdigit() else f"<{name}>"

    return PLACEHOLDER.sub(slot, body)


def _fit(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in split_sentences(text):
        if len(kept) + len(sentence.text) + 1 > limit:
            break
        kept = f"{kept} {sentence.text}".strip()
    return kept or text[:limit]


def _placement(body: str, channel: str, intent: str) -> str:
    """Variables where Meta accepts them: not first or last, never side by side."""
    body = re.sub(r"(<\w+>)(\s*<\w+>)+", r"\1", body)
    if channel == "WHATSAPP" and intent not in ("otp", "password_reset") and body.startswith("<"):
        body = "Hello " + body
    if re.search(r"<\w+>[.!]?$", body):
        body = body.rstrip(".!") + ". Thank you."
    return body


def _content(raw: dict, default: dict, channel: str) -> dict:
    if channel != "WHATSAPP":
        return default
    content = dict(default)
    header = raw.get("header")
    if isinstance(header, str) and header.strip() and "header" in default and not PLACEHOLDER.search(header):
        content["header"] = {"type": "TEXT", "text": _fit(header.strip(), WA_HEADER_MAX)}
    footer = raw.get("footer")
    if (
        isinstance(footer, str)
        and footer.strip()
        and not PLACEHOLDER.search(footer)
        and "STOP" not in default.get("footer", "")
    ):
        content["footer"] = _fit(footer.strip(), WA_FOOTER_MAX)
    labels = [b for b in raw.get("buttons") or [] if isinstance(b, str) and 0 < len(b.strip()) <= BUTTON_TEXT_MAX]
    if labels and not any(b["type"] == "URL" for b in default.get("buttons", [])):
        content["buttons"] = [{"type": "QUICK_REPLY", "text": b.strip()} for b in labels[:3]]
    return content


def _comply(draft: Draft, category: str | None, repairs: list[str]) -> tuple[Draft | None, str | None]:
    for _ in range(REPAIR_ROUNDS):
        verdict = check(draft.checked_text(), draft.channel, category)
        if not verdict.warnings:
            return draft, None
        body = draft.body
        for warning in sorted(verdict.warnings, key=lambda w: -w.start):
            if warning.text in body:
                body = body.replace(warning.text, warning.suggestion, 1)
                repairs.append(f"{warning.check}: {warning.text!r} -> {warning.suggestion!r}")
        revised = channels.with_body(draft, body)
        if revised is None:
            return None, "a repair left the variables broken"
        draft = revised
    verdict = check(draft.checked_text(), draft.channel, category)
    if not verdict.warnings:
        return draft, None
    flagged = {w.check for w in verdict.warnings}
    return None, "still " + ", ".join(sorted(flagged)) + " after repair"


def repair(
    answer: str, *, channel: str, category: str | None, language: str, intent: str, default: dict, promotional: bool
) -> Outcome:
    outcome = Outcome()
    raws = parse_answer(answer)
    outcome.received = len(raws)
    seen: set[str] = set()
    for raw in raws[:3]:
        text = _placement(_fit(to_slots(" ".join(raw["body"].split())), MAX_BODY_CHARS[channel]), channel, intent)
        if promotional and channel != "WHATSAPP" and "stop" not in text.lower():
            key = {"SMS": "sms", "RCS": "rcs", "VOICE": "voice"}[channel]
            text = f"{text} {library().opt_out[language][key]}"
            outcome.repairs.append("opt-out added")
        draft = channels.build(
            channel, language, intent, text, _content(raw, default, channel), notes=("written by the configured model",)
        )
        problems = variable_problems(draft) + limit_problems(draft)
        if not promotional and not draft.variables:
            problems.append("no variable where the message needs the recipient's data (a code, an order, an amount)")
        if problems:
            outcome.dropped.append("; ".join(problems))
            continue
        kept, reason = _comply(draft, category, outcome.repairs)
        if kept is None:
            outcome.dropped.append(reason or "not compliant")
        elif kept.body not in seen:
            seen.add(kept.body)
            outcome.drafts.append(kept)
    return outcome
