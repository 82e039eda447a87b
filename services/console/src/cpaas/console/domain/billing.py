"""An administrator's adjustment of an account's balance (a credit or a debit in minor units)."""

from cpaas.console.domain.errors import InvalidField


def adjustment(amount_minor: int, reason: str) -> str:
    """The adjustment's reason, trimmed: an amount of 0 and a blank reason are refused."""
    if amount_minor == 0:
        raise InvalidField("amountMinor", "amountMinor must not be 0")
    if not reason.strip():
        raise InvalidField("reason", "a balance adjustment needs a reason")
    return reason.strip()
