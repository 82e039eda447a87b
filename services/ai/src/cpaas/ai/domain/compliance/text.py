"""The message text as the checks see it: its DLT header, placeholders, sentences and
category, with every offset kept in the caller's original text (spans point into it)."""

import re
from dataclasses import dataclass
from enum import StrEnum

from cpaas.contracts.templating import DLT_PLACEHOLDER, NUMBERED_PLACEHOLDER

CHANNELS = ("SMS", "WHATSAPP", "RCS", "VOICE")
# a DLT-style header in front of an SMS body: operator and circle letters, the 6-character
# sender ID, and since 2025 an optional traffic suffix (-P promotional, -S service,
# -T transactional, -G government), e.g. "VM-HDFCBK:", "AD-MYNTRA-P", "JD-123456"
DLT_HEADER = re.compile(r"^\s*[A-Z]{2}-(?P<sender>[A-Z0-9]{6})(?:-(?P<suffix>[PSTG]))?\s*[:\-]\s+")
SENTENCE_END = re.compile(r"[.!?।]+(?=\s|$)|\n+")
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


class CategoryKind(StrEnum):
    PROMOTIONAL = "PROMOTIONAL"
    TRANSACTIONAL = "TRANSACTIONAL"
    SERVICE = "SERVICE"
    AUTHENTICATION = "AUTHENTICATION"
    UNSPECIFIED = "UNSPECIFIED"


# the template categories of this codebase (console rules.py): SMS on DLT and WhatsApp
CATEGORY_KINDS = {
    "MIC": CategoryKind.PROMOTIONAL,
    "MARKETING": CategoryKind.PROMOTIONAL,
    "UIC": CategoryKind.TRANSACTIONAL,
    "UTILITY": CategoryKind.TRANSACTIONAL,
    "SIC": CategoryKind.SERVICE,
    "SERVICE": CategoryKind.SERVICE,  # WhatsApp's service template (priced SIC)
    "AUTH": CategoryKind.AUTHENTICATION,
    "AUTHENTICATION": CategoryKind.AUTHENTICATION,
}
HEADER_SUFFIX_KINDS = {"P": CategoryKind.PROMOTIONAL, "T": CategoryKind.TRANSACTIONAL, "S": CategoryKind.SERVICE}


def category_kind(category: str | None) -> CategoryKind:
    if not category:
        return CategoryKind.UNSPECIFIED
    return CATEGORY_KINDS.get(category.strip().upper(), CategoryKind.UNSPECIFIED)


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Message:
    """One text to check. `body_start` skips a DLT header; `kind` is the category's kind
    (a promotional header suffix or a 6-digit promotional header makes an unspecified one
    promotional)."""

    text: str
    channel: str
    category: str | None
    kind: CategoryKind
    body_start: int
    header: str | None

    @property
    def placeholder_style(self) -> str:
        return "dlt" if self.channel == "SMS" or DLT_PLACEHOLDER.search(self.text) else "numbered"

    def next_variable(self) -> str:
        """A placeholder for a suggestion, in the message's own style."""
        if self.placeholder_style == "dlt":
            return "{#var#}"
        numbers = [int(n) for n in NUMBERED_PLACEHOLDER.findall(self.text)]
        return f"{{{{{max(numbers, default=0) + 1}}}}}"

    def sentences(self) -> list[Sentence]:
        return split_sentences(self.text, self.body_start)


def parse(text: str, channel: str, category: str | None) -> Message:
    kind = category_kind(category)
    header = DLT_HEADER.match(text) if channel == "SMS" else None
    if header is None:
        return Message(text, channel, category, kind, 0, None)
    if kind is CategoryKind.UNSPECIFIED:
        suffix, sender = header.group("suffix"), header.group("sender")
        kind = HEADER_SUFFIX_KINDS.get(suffix or "", CategoryKind.PROMOTIONAL if sender.isdigit() else kind)
    return Message(text, channel, category, kind, header.end(), header.group(0).strip())


def split_sentences(text: str, start: int = 0) -> list[Sentence]:
    """Sentences with their offsets; the terminator stays with its sentence."""
    sentences, cursor = [], start
    for match in SENTENCE_END.finditer(text, start):
        _append(sentences, text, cursor, match.end())
        cursor = match.end()
    _append(sentences, text, cursor, len(text))
    return sentences


def _append(sentences: list[Sentence], text: str, start: int, end: int) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    offset = start + chunk.index(stripped)
    sentences.append(Sentence(offset, offset + len(stripped), stripped))


def placeholder_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in DLT_PLACEHOLDER.finditer(text)]
    return sorted(spans + [m.span() for m in NUMBERED_PLACEHOLDER.finditer(text)])


def without_placeholders(text: str) -> str:
    return NUMBERED_PLACEHOLDER.sub(" ", DLT_PLACEHOLDER.sub(" ", text))


def for_model(message: Message) -> str:
    """The text the statistical model reads: lower case, placeholders and digits folded, the
    category kind and channel as leading tokens (CHECK-2 depends on them)."""
    body = message.text[message.body_start :].lower()
    body = NUMBERED_PLACEHOLDER.sub(" vv ", DLT_PLACEHOLDER.sub(" vv ", body))
    body = re.sub(r"\d", "0", body)
    return f"__{message.kind.value.lower()}__ __{message.channel.lower()}__ {body}"
