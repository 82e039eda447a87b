"""The fraud guard's decision (no I/O): which destinations of an account to hold.

When the account's fraud probability is at least the threshold, each finding that names a
destination the account is pumping becomes a hold on that destination: a number range
(NUMBER_RANGE_CONCENTRATION, or an OTP flood over a run of numbers: subject PREFIX) or a
country never sent to before (NEW_DESTINATION: COUNTRY). Findings about senders, content
or the account's overall rate name nothing to hold: the account's other traffic goes on.
A subject released by an admin within the grace is not held again (`released`)."""

from dataclasses import dataclass

from cpaas.ai.domain.anomaly.detectors import Finding

HOLDING_FINDINGS = {
    ("NUMBER_RANGE_CONCENTRATION", "PREFIX"),
    ("OTP_FLOOD", "PREFIX"),
    ("NEW_DESTINATION", "COUNTRY"),
}


@dataclass(frozen=True)
class HoldDecision:
    subject_type: str
    subject: str
    finding: Finding


def holds_to_place(
    probability: float, findings: list[Finding], *, threshold: float, released: set[tuple[str, str]]
) -> list[HoldDecision]:
    """The holds to place (one per subject, the most severe finding's), in subject order."""
    if probability < threshold:
        return []
    best: dict[tuple[str, str], Finding] = {}
    for f in findings:
        key = (f.subject_type, f.subject)
        if (f.alert_type, f.subject_type) not in HOLDING_FINDINGS or key in released:
            continue
        if key not in best or f.severity > best[key].severity:
            best[key] = f
    return [HoldDecision(t, s, f) for (t, s), f in sorted(best.items())]
