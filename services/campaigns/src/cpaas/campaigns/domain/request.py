"""A campaign to create: its fields checked against the account's templates and sender
IDs by the same rules as an API submit's levels. Pure: the lookups are done by the
caller and passed in.

Variables: each level has its own, from its own columns. After the number, the file's
columns fill the primary template's variables in order, then the first fallback level's,
then the second's: with a primary of 2 variables and an SMS fallback of 2, column 2 and 3
are the primary's variable 1 and 2, columns 4 and 5 the fallback's variable 1 and 2. So a
row carries as many variable columns as all its levels need together (a level without
variables takes none). A fallback level never reuses the primary's columns: an SMS
fallback of an RCS message once read "Your OTP is Asha" when they did. Each fallback
level records how many columns it takes (`variableCount`); a campaign created before
that (no count) keeps the old rule, every level on the same columns.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import TypeAdapter, ValidationError

from cpaas.campaigns.domain.quiet_hours import is_promotional
from cpaas.contracts import Channel, ErrorCode
from cpaas.contracts.submit import FallbackLevelIn
from cpaas.contracts.templating import placeholder_count
from cpaas.platform.api_errors import ApiError, validation_error

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9 _.\-]{0,99}$"
SCHEDULE_TOLERANCE = timedelta(minutes=1)  # a scheduledAt this far in the past still means "now"
MAX_SCHEDULE_AHEAD = timedelta(days=90)
_FALLBACK = TypeAdapter(list[FallbackLevelIn])


@dataclass(frozen=True)
class Template:
    """What a campaign needs of a console template."""

    id: int
    account_id: int
    name: str
    channel: str
    status: str
    category: str | None
    template_type: str
    body: str
    identity_active: bool = True  # WhatsApp: its WABA number ACTIVE; RCS: its bot ACTIVE
    provider_status: str | None = None  # WhatsApp, RCS: the provider's review (APPROVED to be sendable)

    @property
    def variables(self) -> int:
        return placeholder_count(self.body)

    @property
    def promotional(self) -> bool:
        return is_promotional(self.channel, self.category)


@dataclass(frozen=True)
class Level:
    field: str  # '' for the primary, 'fallback[i].' for a fallback level (error fields)
    channel: Channel
    template_id: int
    sender_id: str | None


def column_counts(total: int, fallback: list[dict]) -> list[int | None]:
    """How many of a row's `total` variable columns each level takes, primary first: each
    fallback level its `variableCount`, the primary the rest. A campaign whose levels have
    no count (created before they had their own columns) shares every column: [total,
    None, ...]."""
    counts = [f.get("variableCount") for f in fallback]
    if None in counts:
        return [total, *(None for _ in counts)]
    return [total - sum(counts), *counts]


def level_variables(values: list[str], counts: list[int | None]) -> list[dict[str, str] | None]:
    """A row's variable columns split into each level's variables, numbered from 1: the
    primary's first, then each fallback level's, each taking `counts[i]` columns (see the
    module's note). A None count (a campaign from before levels had their own columns)
    gives None: that level is sent with the primary's variables, as it used to be."""
    split: list[dict[str, str] | None] = []
    start = 0
    for count in counts:
        if count is None:
            split.append(None)
            continue
        split.append({str(i): v for i, v in enumerate(values[start : start + count], start=1)})
        start += count
    return split


def parse_fallback(raw: str | None) -> list[Level]:
    """The `fallback` form field: a JSON list of {channel, templateId, senderId}, at most 2
    (their variables come from the file's columns)."""
    if raw is None or not raw.strip():
        return []
    try:
        levels = _FALLBACK.validate_python(json.loads(raw))
    except json.JSONDecodeError as exc:
        raise ApiError(ErrorCode.VALIDATION_ERROR, "fallback must be a JSON list", field="fallback") from exc
    except ValidationError as exc:
        error = validation_error(exc)
        raise ApiError(ErrorCode.VALIDATION_ERROR, f"fallback: {error.message}", field="fallback") from exc
    if len(levels) > 2:
        raise ApiError(ErrorCode.VALIDATION_ERROR, "at most 2 fallback levels", field="fallback")
    for i, level in enumerate(levels):
        if level.variables is not None:
            message = (
                "a campaign's fallback levels take their variables from the file's columns"
                " (after the primary's, in level order), not from the fallback field"
            )
            raise ApiError(ErrorCode.VALIDATION_ERROR, message, field=f"fallback[{i}].variables")
    return [Level(f"fallback[{i}].", lv.channel, lv.template_id, lv.sender_id) for i, lv in enumerate(levels)]


def parse_schedule(raw: str | None, zone: ZoneInfo, now: datetime) -> datetime | None:
    """scheduledAt: ISO 8601; without an offset it is in the account's time zone."""
    if raw is None or not raw.strip():
        return None
    try:
        at = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ApiError(
            ErrorCode.VALIDATION_ERROR, "scheduledAt must be ISO 8601, e.g. 2025-10-20T10:00", field="scheduledAt"
        ) from exc
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone)
    if at < now - SCHEDULE_TOLERANCE:
        raise ApiError(ErrorCode.VALIDATION_ERROR, "scheduledAt is in the past", field="scheduledAt")
    if at > now + MAX_SCHEDULE_AHEAD:
        raise ApiError(ErrorCode.VALIDATION_ERROR, "scheduledAt is more than 90 days ahead", field="scheduledAt")
    return at if at > now else None


# as the gateway's submit rule: a WhatsApp or RCS template needs its provider's approval too
PROVIDER_REVIEWED = {Channel.WHATSAPP: "Meta", Channel.RCS: "RBM"}


def check_level(
    level: Level, template: Template | None, approved_senders: frozenset[str], enabled: frozenset[Channel]
) -> None:
    """The submit rules of one level: channel enabled, template of this account and channel,
    APPROVED, its WABA number or bot active, and for SMS an approved sender ID."""
    field = f"{level.field}templateId"
    if level.channel not in enabled:
        raise ApiError(
            ErrorCode.CHANNEL_NOT_CONFIGURED, f"{level.channel} is not enabled", field=f"{level.field}channel"
        )
    if template is None:
        raise ApiError(
            ErrorCode.TEMPLATE_NOT_FOUND, f"template {level.template_id} is not in this account", field=field
        )
    if template.channel != level.channel:
        message = f"template {template.name!r} is a {template.channel} template, not {level.channel}"
        raise ApiError(ErrorCode.TEMPLATE_CHANNEL_MISMATCH, message, field=field)
    if template.status != "APPROVED":
        message = f"template {template.name!r} is {template.status}; only APPROVED templates can be sent"
        raise ApiError(ErrorCode.TEMPLATE_NOT_APPROVED, message, field=field)
    if level.channel in PROVIDER_REVIEWED and template.provider_status != "APPROVED":
        provider = PROVIDER_REVIEWED[level.channel]
        message = (
            f"template {template.name!r} is not approved by {provider} (its status there:"
            f" {template.provider_status or 'PENDING'}); it can be sent once {provider} approves it"
        )
        raise ApiError(ErrorCode.TEMPLATE_NOT_APPROVED_BY_PROVIDER, message, field=field)
    if not template.identity_active:
        owner = "WABA number" if level.channel == Channel.WHATSAPP else "RCS bot"
        message = f"the {owner} of template {template.name!r} is not active"
        raise ApiError(ErrorCode.CHANNEL_NOT_CONFIGURED, message, field=field)
    if level.channel == Channel.SMS:
        sender_field = f"{level.field}senderId"
        if not level.sender_id:
            raise ApiError(ErrorCode.SENDER_ID_REQUIRED, "senderId is required for SMS", field=sender_field)
        if level.sender_id not in approved_senders:
            message = f"sender ID {level.sender_id!r} is not an approved sender ID of this account"
            raise ApiError(ErrorCode.SENDER_ID_NOT_APPROVED, message, field=sender_field)


def sendability(level: Level, template: Template | None, approved_senders: frozenset[str]) -> str | None:
    """Why a running campaign's level can no longer be sent (it pauses), or None."""
    try:
        check_level(level, template, approved_senders, frozenset(Channel))
    except ApiError as error:
        return error.message
    return None
