"""A model's rewrite of a builtin insight's prose (no I/O here: the prompt and the judgement
of the answer). The model gets the insight's facts and builtin text and writes the
recommendation again; the rewrite is kept only when it is plain text of a sane length and
every number it states is one of the insight's facts, written as the facts write it
(`cite.uncited`). Otherwise the builtin text stays, and the reason is told."""

import json
from dataclasses import dataclass

from cpaas.ai.domain.insights.cite import fmt, uncited
from cpaas.contracts.analytics import Insight

MIN_CHARS, MAX_CHARS = 20, 600  # a rewrite shorter or longer than this is not one

SYSTEM = (
    "You are the analytics assistant of a business messaging platform in India. Rewrite the given"
    " recommendation for the account's operator in one or two plain sentences. Use ONLY numbers that appear in"
    " `facts`, written exactly as they are written there; never compute, round or invent a number. Keep the"
    " advice. Answer with the rewritten text only, no preface, no quotes, no markdown."
)


def messages(insight: Insight) -> list[dict]:
    facts = {k: v if isinstance(v, str) else fmt(v) for k, v in insight.facts.items()}
    user = {"title": insight.title, "facts": facts, "recommendation": insight.text}
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": json.dumps(user, ensure_ascii=False)}]


@dataclass(frozen=True)
class Verdict:
    insight: Insight  # the rewritten insight, or the builtin one when rejected
    rewritten: bool
    reason: str | None = None  # why the rewrite was rejected


def _clean(answer: str) -> str:
    text = answer.strip().strip('"').strip()
    for prefix in ("Rewritten text:", "Recommendation:", "Rewritten:"):
        if text.lower().startswith(prefix.lower()):
            text = text[len(prefix) :].strip()
    return " ".join(text.split())


def judge(insight: Insight, answer: str) -> Verdict:
    """Keep the model's `answer` as the insight's text, or the builtin text with the reason."""
    text = _clean(answer)
    if not MIN_CHARS <= len(text) <= MAX_CHARS:
        return Verdict(insight, False, f"the rewrite has {len(text)} characters (between {MIN_CHARS} and {MAX_CHARS})")
    invented = uncited(text, insight.facts)
    if invented:
        return Verdict(insight, False, f"the rewrite states numbers not among the facts: {', '.join(invented[:5])}")
    return Verdict(insight.model_copy(update={"text": text}), True)
