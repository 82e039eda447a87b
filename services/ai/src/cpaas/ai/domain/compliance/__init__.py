"""The TRAI/DLT compliance check of template and message text (no I/O): `check(text,
channel, category)` gives a Verdict with a risk score, level and warnings."""

from cpaas.ai.domain.compliance.checker import Verdict, Warning, check
from cpaas.ai.domain.compliance.scoring import HIGH_THRESHOLD, MEDIUM_THRESHOLD, RiskLevel

__all__ = ["HIGH_THRESHOLD", "MEDIUM_THRESHOLD", "RiskLevel", "Verdict", "Warning", "check"]
