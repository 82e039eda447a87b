"""What the console's rows mean to their readers: frozen records, one per kind of row.

Secrets (a webhook's signing secret, a WABA number's access token, an RCS bot's secret)
never appear in a repr, so not in a log or a traceback either.
"""

import ipaddress
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Protocol, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

ACTIVE = "ACTIVE"  # accounts, WABA numbers and RCS bots that may send
APPROVED = "APPROVED"  # templates and sender IDs that may be used

IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_TIME_ZONE = "Asia/Kolkata"  # the console's default for an account


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # the console checks names; a reader's tz data may lag
        return ZoneInfo(DEFAULT_TIME_ZONE)


def parse_allowlist(entries: Sequence[str]) -> tuple[IpNetwork, ...]:
    """The networks of an account's API IP allow-list; () (every address) when empty or '*'."""
    if not entries or "*" in entries:
        return ()
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


@dataclass(frozen=True, slots=True)
class Account:
    """An account (console.accounts): its access to the API and its settings."""

    id: int
    name: str
    status: str
    ip_networks: tuple[IpNetwork, ...]  # empty: every address
    submit_rate_per_second: int | None  # the account's override of the gateway's default; None: the default
    webhook_url: str | None
    webhook_secret: str | None = field(default=None, repr=False)  # signs delivery-receipt webhooks
    # the secret a rotation replaced, still valid (receipts signed by both) until `..._until`
    webhook_secret_previous: str | None = field(default=None, repr=False)
    webhook_secret_previous_until: datetime | None = None
    time_zone: str = DEFAULT_TIME_ZONE  # IANA name: the account's "today", scheduled starts, quiet hours

    @property
    def zone(self) -> ZoneInfo:
        """The account's time zone; the default should the stored name be unknown here."""
        return _zone(self.time_zone)

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets a receipt sent at `now` is signed with: the current one, then the
        previous one while its grace period lasts; () when the account has no secret."""
        if not self.webhook_secret:
            return ()
        previous = self.webhook_secret_previous
        until = self.webhook_secret_previous_until
        if previous and until is not None and now < until and previous != self.webhook_secret:
            return (self.webhook_secret, previous)
        return (self.webhook_secret,)

    @property
    def active(self) -> bool:
        return self.status == ACTIVE

    @property
    def webhook_enabled(self) -> bool:
        """Receipts are sent only to an account with both a URL and a secret to sign with."""
        return bool(self.webhook_url) and bool(self.webhook_secret)

    def allows(self, client_ip: str | None) -> bool:
        """Whether the API IP allow-list admits this client address."""
        if not self.ip_networks:
            return True
        try:
            address = ipaddress.ip_address(client_ip or "")
        except ValueError:
            return False
        return any(address in network for network in self.ip_networks)


@dataclass(frozen=True, slots=True)
class Template:
    """A template (console.templates) with the identity it sends from.

    `identity_status` is the status of the template's own WABA number (WhatsApp) or RCS
    bot (RCS) when that belongs to the template's account, else None; `waba_phone_number`
    is that WABA number's phone number.
    """

    id: int
    account_id: int
    name: str
    channel: str  # SMS, WHATSAPP, RCS, VOICE
    status: str  # PENDING, APPROVED, REJECTED, FAILED
    category: str | None
    template_type: str
    body: str
    language: str
    content: Mapping[str, Any]  # the channel-specific parts (header, buttons, cards, voice settings)
    dlt_template_id: str | None
    waba_number_id: int | None
    rcs_bot_id: int | None
    provider_template_id: str | None
    provider_status: str | None
    variable_count: int  # how many variables the body needs (cpaas.contracts.templating.placeholder_count)
    identity_status: str | None = None
    waba_phone_number: str | None = None

    @property
    def identity_active(self) -> bool:
        """A WhatsApp template's WABA number, an RCS template's bot, is ACTIVE; other channels
        need no identity."""
        if self.channel in ("WHATSAPP", "RCS"):
            return self.identity_status == ACTIVE
        return True


@dataclass(frozen=True, slots=True)
class SenderId:
    """An SMS sender ID (console.sender_ids) with its DLT Principal Entity ID."""

    id: int
    account_id: int
    sender_id: str
    pe_id: str
    status: str  # PENDING, APPROVED, REJECTED


@dataclass(frozen=True, slots=True)
class SenderIds:
    """All sender IDs of one account, by their text; `approved` holds those that may send."""

    account_id: int
    by_name: Mapping[str, SenderId]
    approved: frozenset[str]

    @classmethod
    def of(cls, account_id: int, sender_ids: Sequence[SenderId]) -> "SenderIds":
        by_name = {s.sender_id: s for s in sender_ids}
        return cls(account_id, by_name, frozenset(n for n, s in by_name.items() if s.status == APPROVED))


@dataclass(frozen=True, slots=True)
class WabaNumber:
    """A WhatsApp Business number (console.waba_numbers). `api_key` is the provider access
    token: opened when the reader was given `open_secret`, else as stored (sealed)."""

    id: int
    account_id: int
    phone_number: str
    display_name: str
    waba_id: str
    phone_number_id: str
    api_key: str = field(repr=False)
    status: str = ACTIVE  # ACTIVE, INACTIVE


@dataclass(frozen=True, slots=True)
class RcsBot:
    """An RCS bot (console.rcs_bots). `api_key` is the bot secret: opened when the reader was
    given `open_secret`, else as stored (sealed)."""

    id: int
    account_id: int
    display_name: str
    bot_id: str  # the RBM platform's agent id
    handle: str
    api_key: str = field(repr=False)
    status: str = "PENDING"  # PENDING, ACTIVE, SUSPENDED


class _Identity(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def status(self) -> str: ...


IdentityT = TypeVar("IdentityT", bound=_Identity)


def channel_identity(identities: Sequence[IdentityT], wanted_id: int | None) -> IdentityT | None:
    """The identity a template sends from: the one it names (whatever its status), else the
    account's first ACTIVE one ("the WABA number assigned to your account is used
    automatically"); None when there is none. `identities` are one account's, oldest first."""
    if wanted_id is not None:
        return next((i for i in identities if i.id == wanted_id), None)
    return next((i for i in identities if i.status == ACTIVE), None)
