"""The audit log's vocabulary: who acted (an Actor), what they did (an action name from the
list below) and the filter an admin or an account's user reads it by. No I/O: the SQL is
store/audit.py.

An action is `<area>.<verb>` in the past tense. The list is what the console records; a
caller may record another name of the same shape (the table checks the shape), so an area
added later needs no change here, but a name listed here is what the screens offer as a
filter."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cpaas.console.domain.errors import InvalidField

MAX_ACTION_CHARS = 64
MAX_ACTOR_CHARS = 200  # a login records the username as typed, bounded by the login form


class Action:
    LOGIN_SUCCEEDED = "auth.login_succeeded"
    LOGIN_FAILED = "auth.login_failed"
    LOGIN_THROTTLED = "auth.login_throttled"
    LOGGED_OUT = "auth.logged_out"
    ACCOUNT_CREATED = "account.created"
    API_KEY_ROTATED = "account.api_key_rotated"
    WEBHOOK_SECRET_ROTATED = "account.webhook_secret_rotated"  # noqa: S105 - an action name
    WEBHOOK_URL_CHANGED = "account.webhook_url_changed"
    IP_ALLOWLIST_CHANGED = "account.ip_allowlist_changed"
    TIME_ZONE_CHANGED = "account.time_zone_changed"
    BALANCE_ADJUSTED = "billing.balance_adjusted"
    USER_CREATED = "user.created"
    USER_ACTIVATED = "user.activated"
    USER_DEACTIVATED = "user.deactivated"
    PASSWORD_RESET = "user.password_reset"  # noqa: S105 - an action name
    APPROVED = "approval.approved"
    REJECTED = "approval.rejected"
    SENDER_ID_REQUESTED = "channel.sender_id_requested"
    RCS_BOT_REQUESTED = "channel.rcs_bot_requested"
    WHATSAPP_NUMBER_LINKED = "channel.whatsapp_number_linked"
    WHATSAPP_NUMBER_STATUS_CHANGED = "channel.whatsapp_number_status_changed"
    FRAUD_HOLD_RELEASED = "fraud.hold_released"


ACTIONS: tuple[str, ...] = tuple(v for k, v in vars(Action).items() if not k.startswith("_"))


@dataclass(frozen=True)
class Actor:
    """Who did something and from where: the logged-in user, or (at a login) nobody yet
    and the username as typed. `address` is the client's, read as the gateway reads it."""

    user_id: int | None
    username: str
    address: str | None = None


SYSTEM = Actor(None, "system")


@dataclass(frozen=True)
class Entry:
    """One event to record: written in the transaction of the change it describes when the
    store method making the change is given it."""

    action: str
    actor: Actor
    account_id: int | None
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditFilter:
    """What a reader asks for; `account_id` is forced to the user's own for a non-admin."""

    account_id: int | None = None
    actor: str | None = None  # part of the actor's username
    action: str | None = None  # an exact action, or an area ("auth", "account", ...)
    since: datetime | None = None
    until: datetime | None = None


def action_filter(value: str | None) -> str | None:
    """An exact action name or an area, as the filter takes it."""
    if value is None or not value.strip():
        return None
    cleaned = value.strip()
    if len(cleaned) > MAX_ACTION_CHARS or not all(c.isalnum() or c in "._" for c in cleaned):
        raise InvalidField("action", "action: an action name such as auth.login_failed, or an area such as auth")
    return cleaned


def time_range(since: datetime | None, until: datetime | None) -> None:
    if since and until and since > until:
        raise InvalidField("from", "from must not be after to")
