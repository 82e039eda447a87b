"""An administrator's decision on what waits for approval: a WhatsApp or RCS template, a
sender ID or an RCS bot. A rejection must say why (the user reads the reason)."""

from cpaas.console.domain.errors import InvalidField

MAX_REASON_CHARS = 500
KINDS = ("templates", "sender-ids", "rcs-bots")
# the status each decision gives an item of each kind: (approved, rejected)
STATUSES = {
    "templates": ("APPROVED", "REJECTED"),
    "sender-ids": ("APPROVED", "REJECTED"),
    "rcs-bots": ("ACTIVE", "SUSPENDED"),
}


def reason(approve: bool, text: str | None) -> str | None:
    """The decision's reason, trimmed (None when blank); required to reject."""
    cleaned = (text or "").strip() or None
    if not approve and cleaned is None:
        raise InvalidField("reason", "a rejection needs a reason the user will see")
    if cleaned and len(cleaned) > MAX_REASON_CHARS:
        raise InvalidField("reason", f"reason: at most {MAX_REASON_CHARS} characters")
    return cleaned


def decided_status(kind: str, approve: bool) -> str:
    approved, rejected = STATUSES[kind]
    return approved if approve else rejected
