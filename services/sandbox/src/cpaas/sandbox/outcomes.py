"""Magic recipient numbers: the last three digits of a recipient decide what the
carrier world does with a message. One table for every channel the sandbox imitates
(SMS now; WhatsApp, RCS and voice read the same table)."""

from enum import StrEnum


class Outcome(StrEnum):
    DELIVERED = "DELIVERED"  # accepted, delivered after the receipt delay
    UNDELIVERABLE = "UNDELIVERABLE"  # accepted, then a failed delivery receipt
    SILENT = "SILENT"  # accepted, no delivery receipt ever
    CHANNEL_NOT_SUPPORTED = "CHANNEL_NOT_SUPPORTED"  # no WhatsApp/RCS on the handset; SMS is delivered
    NEVER_READ = "NEVER_READ"  # delivered, never read (read receipts exist on WhatsApp/RCS only)
    REFUSED = "REFUSED"  # refused at submission


MAGIC_SUFFIXES: dict[str, Outcome] = {
    "901": Outcome.UNDELIVERABLE,
    "902": Outcome.SILENT,
    "903": Outcome.CHANNEL_NOT_SUPPORTED,
    "904": Outcome.NEVER_READ,
    "905": Outcome.REFUSED,
}


def outcome_for(recipient: str) -> Outcome:
    """The outcome for a recipient, with or without its leading '+'."""
    return MAGIC_SUFFIXES.get(recipient.strip()[-3:], Outcome.DELIVERED)
