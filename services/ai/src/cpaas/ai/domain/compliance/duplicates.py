"""CHECK-5: duplicate content within the message: a sentence repeated, or a word or short
phrase repeated three or more times in a row ("FREE FREE FREE", "buy now buy now buy now").
The rewrite keeps one copy."""

import re

from cpaas.ai.domain.compliance.findings import Finding
from cpaas.ai.domain.compliance.text import Message

MIN_SENTENCE_WORDS = 3  # a repeated sentence shorter than this ("Thank you.") is not flagged
MIN_RUN = 3  # a phrase repeated this many times in a row is flagged
MAX_PHRASE_WORDS = 3
MIN_REPEATED_WORDS = 4  # a run of this many words (placeholders aside) appearing twice is flagged
VOICE_REPEAT = re.compile(r"\b(?:i repeat|repeat|once again|dobara|फिर से)\W+(?:\w+\W+){0,2}$", re.IGNORECASE)
# a word: letters and digits, Devanagari vowel signs included (they are not \w); not the danda
TOKEN = re.compile(r"(?:[^\W_]|[\u0900-\u0963\u0966-\u097F])+|\{#var#\}|\{\{\d+\}\}", re.UNICODE | re.IGNORECASE)


def _normal(text: str) -> str:
    return " ".join(t.lower() for t in TOKEN.findall(text))


def _repeated_sentences(message: Message) -> list[Finding]:
    seen: dict[str, int] = {}
    sentences = message.sentences()
    for index, sentence in enumerate(sentences):
        key = _normal(sentence.text)
        if len(key.split()) < MIN_SENTENCE_WORDS:
            continue
        if key not in seen:
            seen[key] = index
            continue
        first = sentences[seen[key]]
        rewrite = " ".join(s.text for i, s in enumerate(sentences[seen[key] : index + 1], seen[key]) if i != index)
        return [Finding("CHECK-5", first.start, sentence.end, suggestion=rewrite, confidence=0.95)]
    return []


def _repeated_runs(message: Message) -> list[Finding]:
    tokens = [(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(message.text, message.body_start)]
    words = [t[0].lower() for t in tokens]
    for size in range(1, MAX_PHRASE_WORDS + 1):
        for i in range(len(words) - size * MIN_RUN + 1):
            phrase = words[i : i + size]
            if "{" in phrase[0]:
                continue
            count = 1
            while words[i + count * size : i + (count + 1) * size] == phrase:
                count += 1
            if count >= MIN_RUN:
                start, end = tokens[i][1], tokens[i + count * size - 1][2]
                keep = message.text[tokens[i][1] : tokens[i + size - 1][2]]
                return [Finding("CHECK-5", start, end, suggestion=keep, confidence=0.9)]
    return []


def _repeated_phrases(message: Message) -> list[Finding]:
    """The same run of MIN_REPEATED_WORDS words twice, not overlapping (a voice prompt that
    says "I repeat" before the copy is exempt: it is how IVR reads out a code)."""
    tokens = [(m.group(0).lower(), m.start(), m.end()) for m in TOKEN.finditer(message.text, message.body_start)]
    size = MIN_REPEATED_WORDS
    seen: dict[tuple[str, ...], int] = {}
    for i in range(len(tokens) - size + 1):
        gram = tuple(t[0] for t in tokens[i : i + size])
        if sum("{" not in w for w in gram) < size - 1:
            continue
        first = seen.setdefault(gram, i)
        if first == i or i < first + size:
            continue
        if message.channel == "VOICE" and VOICE_REPEAT.search(message.text[: tokens[i][1]]):
            continue
        start, end = tokens[first][1], tokens[i + size - 1][2]
        rewrite = message.text[start : tokens[i][1]].rstrip(" ,")
        return [Finding("CHECK-5", start, end, suggestion=rewrite, confidence=0.85)]
    return []


def find(message: Message) -> list[Finding]:
    return _repeated_sentences(message) or _repeated_runs(message) or _repeated_phrases(message)
