"""What goes on an account's blacklist: a recipient, by the platform's one phone-number
rule (cpaas.contracts.phone: with or without '+', '00' and separators accepted), stored
in E.164 so the gateway's check compares like with like."""

from cpaas.console.domain.errors import InvalidField
from cpaas.contracts.phone import InvalidPhoneNumber, normalize_e164


def recipient(value: str, field: str = "recipient") -> str:
    """The number in E.164."""
    try:
        return normalize_e164(value)
    except InvalidPhoneNumber:
        raise InvalidField(
            field, f"{field} must be a valid phone number in international format, e.g. +919876543210"
        ) from None
