"""What a check found: one rule, the span of the original text that triggered it, and the
rewrite that replaces that span."""

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Finding:
    check: str
    start: int
    end: int
    suggestion: str
    confidence: float  # 0-1: how sure this finding is (a lexicon entry's, or the model's)
    source: Literal["rule", "model"] = "rule"
    title: str | None = None  # a title more specific than the rule's own

    def span_text(self, text: str) -> str:
        return text[self.start : self.end]
