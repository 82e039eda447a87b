"""The live preview of a template: SMS encoding and segment count, placeholders."""

from dataclasses import dataclass

import smsutil

from cpaas.contracts.templating import placeholder_count

ENCODINGS = {"gsm0338": "GSM-7", "utf_16_be": "UCS-2"}


@dataclass(frozen=True)
class Preview:
    characters: int
    placeholders: int
    encoding: str | None = None  # SMS only
    segments: int | None = None  # SMS only


def preview(channel: str, body: str) -> Preview:
    count = placeholder_count(body)
    if channel != "SMS":
        return Preview(characters=len(body), placeholders=count)
    if not body:
        return Preview(characters=0, placeholders=0, encoding="GSM-7", segments=0)
    split = smsutil.split(body)
    return Preview(
        characters=len(body), placeholders=count, encoding=ENCODINGS[split.encoding], segments=len(split.parts)
    )
