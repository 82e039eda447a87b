"""The fraud guard's decision: which destinations to hold, and when not to."""

from datetime import UTC, datetime

from cpaas.ai.domain.anomaly.detectors import Finding
from cpaas.ai.domain.anomaly.guard import holds_to_place

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def finding(alert_type: str, subject_type: str, subject: str, severity: int = 70) -> Finding:
    return Finding("ANOMALY", alert_type, severity, subject_type, subject, NOW, NOW, {"submitted": 100})


PUMPING = [
    finding("NUMBER_RANGE_CONCENTRATION", "PREFIX", "+91987650"),
    finding("NEW_DESTINATION", "COUNTRY", "GB", 55),
    finding("VELOCITY_SPIKE", "ACCOUNT", "41", 90),  # names no destination
    finding("SPAM_FAILURE_RATE", "SENDER", "BADSND", 80),
    finding("OTP_FLOOD", "NUMBER", "+919876501234", 95),  # one number: the range finding holds it
]


def test_below_the_threshold_nothing_is_held():
    assert holds_to_place(0.89, PUMPING, threshold=0.9, released=set()) == []


def test_at_the_threshold_each_pumped_range_and_new_country_is_held_once():
    decisions = holds_to_place(
        0.9, [*PUMPING, finding("OTP_FLOOD", "PREFIX", "+91987650", 99)], threshold=0.9, released=set()
    )
    assert [(d.subject_type, d.subject) for d in decisions] == [("COUNTRY", "GB"), ("PREFIX", "+91987650")]
    assert decisions[1].finding.severity == 99  # the most severe finding of the subject


def test_a_subject_released_within_the_grace_is_not_held_again():
    decisions = holds_to_place(0.99, PUMPING, threshold=0.9, released={("PREFIX", "+91987650")})
    assert [(d.subject_type, d.subject) for d in decisions] == [("COUNTRY", "GB")]
