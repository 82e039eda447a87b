"""The fraud guard (issue 24): an account's active holds and the rule that matches a send.

The ai service is the single writer of `ai.fraud_holds` (migration 0002): when an account's
fraud probability crosses `CPAAS_AI_FRAUD_HOLD_THRESHOLD`, every number range (PREFIX:
the number without its last 4 digits) or destination country (COUNTRY: ISO region) that a
detector found it pumping gets a hold. Each change of a hold notifies on the console's
change channel (`cpaas_console`, payload `fraud_holds:<account id>`), so the readers of the
control plane (the gateway, campaigns) drop their cached holds of that account at once.

A new send (API submit, Quick Message, a campaign row) whose recipient falls in an ACTIVE
hold is refused with FRAUD_HOLD naming the hold; sends to other destinations are untouched.
An admin releases a hold (RELEASED); the same subject is not held again for the account
within the release grace (`CPAAS_AI_FRAUD_RELEASE_GRACE_HOURS`).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from cpaas.contracts.errors import ApiError, ErrorCode
from cpaas.contracts.phone import region_of

HOLD_SUBJECT_TYPES = ("PREFIX", "COUNTRY")
TABLE = "ai.fraud_holds"
CHANGE_TABLE = "fraud_holds"  # the table name in the change notification's payload


def number_prefix(e164: str) -> str:
    """The number range of a number: the number without its last 4 digits (`+91987654`
    for +919876543210), as the ai service's aggregates key it."""
    return e164[:-4]


@dataclass(frozen=True, slots=True)
class FraudHold:
    hold_id: int
    account_id: int
    subject_type: str  # PREFIX or COUNTRY
    subject: str
    alert_type: str  # the detector's finding that named the subject
    probability: float  # the account's fraud probability when the hold was placed
    created_at: datetime

    def describe(self) -> str:
        what = f"numbers starting {self.subject}" if self.subject_type == "PREFIX" else f"country {self.subject}"
        return (
            f"sends to {what} are on fraud hold #{self.hold_id} since {self.created_at:%Y-%m-%d %H:%M} UTC"
            f" ({self.alert_type.replace('_', ' ').lower()}, fraud probability {self.probability:.2f});"
            " an admin reviews and releases it"
        )


def matching_hold(recipient: str, country: str | None, holds: Iterable[FraudHold]) -> FraudHold | None:
    """The first active hold that covers `recipient` (E.164) or its `country`, else None."""
    prefix = number_prefix(recipient)
    for hold in holds:
        if hold.subject_type == "PREFIX" and prefix == hold.subject:
            return hold
        if hold.subject_type == "COUNTRY" and country is not None and country == hold.subject:
            return hold
    return None


def hold_for(recipient: str, holds: Sequence[FraudHold]) -> FraudHold | None:
    """The hold covering `recipient`, looking up its country only when a COUNTRY hold exists."""
    if not holds:
        return None
    country = region_of(recipient) if any(h.subject_type == "COUNTRY" for h in holds) else None
    return matching_hold(recipient, country, holds)


def refuse_if_held(recipient: str, holds: Sequence[FraudHold]) -> None:
    """Raise FRAUD_HOLD (naming the hold) when `recipient` is on one of `holds`."""
    hold = hold_for(recipient, holds)
    if hold is not None:
        raise ApiError(ErrorCode.FRAUD_HOLD, f"{recipient} not sent: {hold.describe()}", field="recipient")
