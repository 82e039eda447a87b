"""Checks a submit against the account's data and turns it into the submit event.

Pure: every lookup is passed in already done, so this runs without I/O and each
refusal is a plain `ApiError` a test can assert. The rules of what a phone number is and
which variables a template needs are the contracts' (cpaas.contracts.phone, .templating).
"""

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cpaas.contracts import Channel, ErrorCode, FallbackLevel, MessageSubmittedV1
from cpaas.contracts.errors import ApiError
from cpaas.contracts.phone import InvalidPhoneNumber, normalize_e164
from cpaas.contracts.submit import SubmitRequest
from cpaas.contracts.templating import missing_positions, normalize_variables

# A WhatsApp or RCS template is usable once the admin AND its provider approved it (the
# provider refuses a template it has not approved: Meta answers 132001).
PROVIDER_REVIEWED = {Channel.WHATSAPP: "Meta", Channel.RCS: "RBM"}


class TemplateFacts(Protocol):
    """What the rules need of a template (cpaas.control_plane.Template has it)."""

    @property
    def name(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def provider_status(self) -> str | None: ...
    @property
    def variable_count(self) -> int: ...
    @property
    def identity_active(self) -> bool: ...


@dataclass(frozen=True)
class Level:
    """One channel level to validate: the primary (field prefix '') or a fallback level,
    with its own variables (a fallback level never borrows the primary's)."""

    field: str
    channel: Channel
    template_id: int
    sender_id: str | None
    variables: dict[str, str]


def normalize_recipient(raw: str) -> str:
    """E.164 or INVALID_RECIPIENT (the one rule: cpaas.contracts.phone)."""
    try:
        return normalize_e164(raw)
    except InvalidPhoneNumber:
        raise ApiError(
            ErrorCode.INVALID_RECIPIENT,
            f"{raw!r} is not a valid phone number in E.164 format (e.g. +919876543210)",
            field="recipient",
        ) from None


def levels_of(request: SubmitRequest) -> list[Level]:
    """The primary, then each fallback level, each with its variables numbered from 1."""
    levels = [
        Level("", request.channel, request.template_id, request.sender_id, normalize_variables(request.variables))
    ]
    for i, level in enumerate(request.fallback):
        variables = normalize_variables(level.variables)
        levels.append(Level(f"fallback[{i}].", level.channel, level.template_id, level.sender_id, variables))
    return levels


def check_level(
    level: Level,
    template: TemplateFacts | None,
    approved_senders: Collection[str],
    enabled: frozenset[Channel],
) -> None:
    """The level is sendable: channel on, its template of this account and channel,
    APPROVED, its WABA number or bot active, an approved sender ID for SMS, and every
    variable its template needs given on this level (field `fallback[i].variables`)."""
    if level.channel not in enabled:
        raise ApiError(
            ErrorCode.CHANNEL_NOT_CONFIGURED,
            f"{level.channel} is not enabled on this platform",
            field=f"{level.field}channel",
        )
    if template is None:
        raise ApiError(
            ErrorCode.TEMPLATE_NOT_FOUND,
            f"template {level.template_id} does not exist in this account",
            field=f"{level.field}templateId",
        )
    if template.channel != level.channel:
        raise ApiError(
            ErrorCode.TEMPLATE_CHANNEL_MISMATCH,
            f"template {template.name!r} is a {template.channel} template, not {level.channel}",
            field=f"{level.field}templateId",
        )
    if template.status != "APPROVED":
        raise ApiError(
            ErrorCode.TEMPLATE_NOT_APPROVED,
            f"template {template.name!r} is {template.status}; only APPROVED templates can be sent",
            field=f"{level.field}templateId",
        )
    if level.channel in PROVIDER_REVIEWED and template.provider_status != "APPROVED":
        provider = PROVIDER_REVIEWED[level.channel]
        raise ApiError(
            ErrorCode.TEMPLATE_NOT_APPROVED_BY_PROVIDER,
            f"template {template.name!r} is not approved by {provider} (its status there:"
            f" {template.provider_status or 'PENDING'}); it can be sent once {provider} approves it",
            field=f"{level.field}templateId",
        )
    if not template.identity_active:
        owner = "WABA number" if level.channel == Channel.WHATSAPP else "RCS bot"
        raise ApiError(
            ErrorCode.CHANNEL_NOT_CONFIGURED,
            f"the {owner} of template {template.name!r} is not active; contact your admin",
            field=f"{level.field}templateId",
        )
    if level.channel == Channel.SMS:
        if not level.sender_id:
            raise ApiError(ErrorCode.SENDER_ID_REQUIRED, "senderId is required for SMS", field=f"{level.field}senderId")
        if level.sender_id not in approved_senders:
            raise ApiError(
                ErrorCode.SENDER_ID_NOT_APPROVED,
                f"sender ID {level.sender_id!r} is not an approved sender ID of this account",
                field=f"{level.field}senderId",
            )
    missing = missing_positions(template.variable_count, level.variables)
    if missing:
        where = f" of {level.field.rstrip('.')}" if level.field else ""
        raise ApiError(
            ErrorCode.MISSING_VARIABLES,
            f"template {template.name!r}{where} needs {template.variable_count} variables; missing position(s) "
            + ", ".join(missing),
            field=f"{level.field}variables",
        )


def check_not_blacklisted(recipient: str, blacklist: Collection[str]) -> None:
    if recipient in blacklist:
        raise ApiError(
            ErrorCode.RECIPIENT_BLACKLISTED,
            f"{recipient} is on this account's blacklist; remove it from the blacklist to send",
            field="recipient",
        )


def check_balance(balance_minor: int) -> None:
    """A submit needs a prepaid balance above zero (when the credit check is on)."""
    if balance_minor <= 0:
        raise ApiError(
            ErrorCode.INSUFFICIENT_BALANCE, "the account's prepaid balance is used up; ask your admin to add credit"
        )


def build_event(
    levels: list[Level], *, message_id: str, account_id: int, recipient: str, primary: TemplateFacts, now: datetime
) -> MessageSubmittedV1:
    """Attempt 1's submit; each fallback level keeps its own variables for the router."""
    first, *fallback = levels
    return MessageSubmittedV1(
        message_id=message_id,
        account_id=account_id,
        channel=first.channel,
        recipient=recipient,
        template_id=first.template_id,
        template_name=primary.name,
        sender_id=first.sender_id if first.channel == Channel.SMS else None,
        variables=first.variables,
        attempt=1,
        fallback=[
            FallbackLevel(channel=f.channel, template_id=f.template_id, sender_id=f.sender_id, variables=f.variables)
            for f in fallback
        ],
        submitted_at=now,
    )
