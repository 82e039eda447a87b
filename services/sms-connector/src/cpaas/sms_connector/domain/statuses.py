"""A message's one final status from the final receipts of all its parts (in order):
DELIVERED when every part was delivered, else what the first part not delivered says.
`meaning` is the provider's mapping table (SMPP: `providers/smpp/statuses.py`)."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cpaas.connector_kit.statuses import StatusMeaning
from cpaas.contracts import ErrorCode, MessageStatus


@dataclass(frozen=True)
class FinalStatus:
    status: MessageStatus
    error_code: ErrorCode | None = None
    carrier_error_code: str | None = None
    error_detail: str | None = None


def final_status(
    stats: Sequence[str], errors: Sequence[str | None], meaning: Callable[[str], StatusMeaning]
) -> FinalStatus:
    """`stats` and `errors`: each part's receipt status and error code, as the provider wrote them."""
    for stat, error in zip(stats, errors, strict=True):
        part = meaning(stat)
        assert part.status is not None, "only final receipts are stored"
        if part.status is not MessageStatus.DELIVERED:
            return FinalStatus(part.status, part.error_code, error, stat)
    return FinalStatus(MessageStatus.DELIVERED)
