"""A draft: the form's fields for one channel, with its variables and limits.

Limits (Meta's WhatsApp template rules, checked against provider documentation: text
header 60 characters, body 1024, footer 60, at most 10 buttons of which at most 2 URL
and 1 phone number, button text 25; authentication templates carry no buttons in our
template content; RCS text with at most 4 suggestions of 25 characters; DLT: each
`{#var#}` carries at most 30 characters)."""

import re
from dataclasses import dataclass, field

import smsutil

from cpaas.contracts.template_content import parse_content
from cpaas.contracts.templating import DLT_PLACEHOLDER, NUMBERED_PLACEHOLDER

WA_HEADER_MAX, WA_BODY_MAX, WA_FOOTER_MAX = 60, 1024, 60
WA_MAX_BUTTONS, WA_MAX_URL_BUTTONS, WA_MAX_PHONE_BUTTONS = 10, 2, 1
BUTTON_TEXT_MAX = 25
RCS_MAX_SUGGESTIONS = 4
RCS_TEXT_MAX = 3072
SMS_BODY_MAX = 2000  # DLT content templates; the engine aims at one segment
DLT_VARIABLE_MAX = 30  # characters a DLT {#var#} may carry
SLOT = re.compile(r"<([a-z_][a-z0-9_]*)>")
ENCODINGS = {"gsm0338": "GSM-7", "utf_16_be": "UCS-2"}


@dataclass(frozen=True)
class Variable:
    index: int  # 1-based position ({{index}}, or the index-th {#var#})
    name: str
    example: str
    max_length: int | None = None


@dataclass(frozen=True)
class Draft:
    channel: str
    language: str
    intent: str
    body: str
    content: dict = field(default_factory=dict)  # the channel's template content (contracts shape)
    variables: tuple[Variable, ...] = ()
    segments: int | None = None  # SMS: segments of the body as written
    encoding: str | None = None  # SMS: GSM-7 or UCS-2
    example_segments: int | None = None  # SMS: segments with the example values filled in
    notes: tuple[str, ...] = ()

    def checked_text(self) -> str:
        """Everything a recipient reads, for the compliance check."""
        parts = [self.content.get("header", {}).get("text") or "", self.body, self.content.get("footer") or ""]
        parts += [b["text"] for b in self.content.get("buttons", []) + self.content.get("suggestions", [])]
        return "\n".join(p for p in parts if p)


def number_slots(
    text: str, channel: str, examples: dict[str, str], known: list[str] | None = None
) -> tuple[str, list[str]]:
    """<slot> markers -> {{n}} (numbered by first appearance, a repeated slot keeps its
    number) or {#var#} for SMS. Returns the text and the slot names in variable order."""
    names = known if known is not None else []

    def numbered(match: re.Match[str]) -> str:
        name = match.group(1)
        if channel == "SMS":
            names.append(name)
            return "{#var#}"
        if name not in names:
            names.append(name)
        return "{{%d}}" % (names.index(name) + 1)  # noqa: UP031 - braces would need quadrupling

    return SLOT.sub(numbered, text), names


def render_example(body: str, channel: str, variables: tuple[Variable, ...]) -> str:
    if channel == "SMS":
        values = iter(v.example for v in variables)
        return DLT_PLACEHOLDER.sub(lambda _: next(values, ""), body)
    by_index = {v.index: v.example for v in variables}
    return NUMBERED_PLACEHOLDER.sub(lambda m: by_index.get(int(m.group(1)), ""), body)


def sms_segments(text: str) -> tuple[int, str]:
    if not text:
        return 0, "GSM-7"
    split = smsutil.split(text)
    return len(split.parts), ENCODINGS[split.encoding]


def variable_problems(draft: Draft) -> list[str]:
    """Broken or misplaced variables: what Meta, DLT or our renderer would refuse."""
    problems = []
    body = draft.body
    cleaned = NUMBERED_PLACEHOLDER.sub("", DLT_PLACEHOLDER.sub("", body))
    if SLOT.search(cleaned) or "{" in cleaned or "}" in cleaned:
        problems.append("an unfilled or malformed placeholder")
    numbered = [int(n) for n in NUMBERED_PLACEHOLDER.findall(body)]
    if draft.channel == "SMS":
        if numbered:
            problems.append("an SMS body must use {#var#}, not {{n}}")
    else:
        if DLT_PLACEHOLDER.search(body):
            problems.append("{#var#} outside SMS")
        if numbered and sorted(set(numbered)) != list(range(1, max(numbered) + 1)):
            problems.append("variables are not numbered 1..n without gaps")
        first_seen = list(dict.fromkeys(numbered))
        if first_seen != sorted(first_seen):
            problems.append("variables out of order")
    if re.search(r"(\{\{\d+\}\}|\{#var#\})\s*(\{\{\d+\}\}|\{#var#\})", body):
        problems.append("two variables next to each other")
    if draft.channel == "WHATSAPP":
        stripped = body.strip()
        if draft.intent not in ("otp", "password_reset") and NUMBERED_PLACEHOLDER.match(stripped):
            problems.append("the body starts with a variable")
        if re.search(r"\{\{\d+\}\}[.!]?$", stripped):
            problems.append("the body ends with a variable")
        header = draft.content.get("header", {}).get("text") or ""
        if NUMBERED_PLACEHOLDER.search(header) or NUMBERED_PLACEHOLDER.search(draft.content.get("footer") or ""):
            problems.append("a variable in the header or footer")
    if len(draft.variables) != (len(DLT_PLACEHOLDER.findall(body)) if draft.channel == "SMS" else len(set(numbered))):
        problems.append("the variable list does not match the body")
    return problems


def limit_problems(draft: Draft) -> list[str]:
    problems = []
    content = draft.content
    if draft.channel == "WHATSAPP":
        buttons = content.get("buttons", [])
        if len(draft.body) > WA_BODY_MAX:
            problems.append(f"body over {WA_BODY_MAX} characters")
        if len(buttons) > WA_MAX_BUTTONS or sum(b["type"] == "URL" for b in buttons) > WA_MAX_URL_BUTTONS:
            problems.append("too many buttons")
        if sum(b["type"] == "PHONE_NUMBER" for b in buttons) > WA_MAX_PHONE_BUTTONS:
            problems.append("more than one phone button")
    if draft.channel == "RCS" and len(draft.body) > RCS_TEXT_MAX:
        problems.append(f"text over {RCS_TEXT_MAX} characters")
    if draft.channel == "SMS" and len(draft.body) > SMS_BODY_MAX:
        problems.append(f"body over {SMS_BODY_MAX} characters")
    if draft.channel in ("WHATSAPP", "RCS"):
        try:
            parse_content(draft.channel, "TEXT", content)  # the console's own validation
        except ValueError as exc:  # pydantic.ValidationError is a ValueError
            problems.append(f"content refused: {str(exc).splitlines()[0]}")
    return problems
