"""Risk score and level from the triggered rules.

Each triggered rule contributes its severity (lexicons.yaml: how much harm the rule's
kind of content does, e.g. CHECK-1 fraud 0.9, CHECK-5 duplicates 0.25) times the
warning's confidence; contributions combine like independent risks:

    riskScore = round(100 * (1 - prod(1 - severity * confidence)))

so one fraud or credential request is HIGH on its own, a shortener or a missing opt-out
is MEDIUM, a duplicated sentence alone stays LOW, and several medium findings add up.
"""

from enum import StrEnum

from cpaas.ai.domain.compliance.lexicon import rules

MEDIUM_THRESHOLD = 30  # riskScore at or above this is MEDIUM
HIGH_THRESHOLD = 60  # riskScore at or above this is HIGH


class RiskLevel(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


def risk_score(confidences: dict[str, float]) -> int:
    table = rules()
    safe = 1.0
    for check, confidence in confidences.items():
        safe *= 1.0 - table[check].severity * min(1.0, max(0.0, confidence))
    return round(100 * (1.0 - safe))


def risk_level(score: int) -> RiskLevel:
    if score >= HIGH_THRESHOLD:
        return RiskLevel.HIGH
    return RiskLevel.MEDIUM if score >= MEDIUM_THRESHOLD else RiskLevel.LOW
