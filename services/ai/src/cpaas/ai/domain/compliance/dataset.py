"""The labelled set (data/labelled.jsonl): messages in the style of Indian commercial SMS,
WhatsApp, RCS and voice, each with the rules it breaks and a fixed split. The `test` split
is held out: only bench/compliance.py reads it; training and tuning use `train` alone."""

import functools
import hashlib
import json
from dataclasses import dataclass
from typing import Literal

from cpaas.ai.domain.compliance.lexicon import data_text

DATASET_FILE = "labelled.jsonl"


@dataclass(frozen=True)
class Example:
    id: str
    text: str
    channel: str
    category: str | None
    labels: frozenset[str]
    split: Literal["train", "test"]


@functools.cache
def examples() -> tuple[Example, ...]:
    rows = []
    for line in data_text(DATASET_FILE).splitlines():
        if line.strip():
            raw = json.loads(line)
            rows.append(
                Example(raw["id"], raw["text"], raw["channel"], raw["category"], frozenset(raw["labels"]), raw["split"])
            )
    return tuple(rows)


def split(name: Literal["train", "test"]) -> tuple[Example, ...]:
    return tuple(e for e in examples() if e.split == name)


def fingerprint(rows: tuple[Example, ...]) -> str:
    """sha256 of the rows' content: a tuned artifact records the training split it saw."""
    digest = hashlib.sha256()
    for e in rows:
        digest.update(json.dumps([e.id, e.text, e.channel, e.category, sorted(e.labels)], ensure_ascii=False).encode())
    return digest.hexdigest()
