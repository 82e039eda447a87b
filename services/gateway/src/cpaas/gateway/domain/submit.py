"""Checks a submit against the account's data and turns it into the submit event.

Pure: every lookup is passed in already done, so this runs without I/O and each
refusal is a plain `ApiError` a test can assert.
"""

from dataclasses import dataclass
from datetime import datetime

import phonenumbers

from cpaas.contracts import Channel, ErrorCode, FallbackLevel, MessageSubmittedV1
from cpaas.contracts.submit import SubmitRequest
from cpaas.contracts.templating import normalize_variables
from cpaas.gateway.control_plane import TemplateInfo
from cpaas.platform.api_errors import ApiError


@dataclass(frozen=True)
class Level:
    """One channel level to validate: the primary (field prefix '') or a fallback level."""

    field: str
    channel: Channel
    template_id: int
    sender_id: str | None


def normalize_recipient(raw: str) -> str:
    """E.164 or INVALID_RECIPIENT. A '+' sent unencoded in a query string arrives as ' '."""
    candidate = raw.strip()
    if candidate and candidate[0].isdigit():
        candidate = "+" + candidate
    try:
        number = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ApiError(
            ErrorCode.INVALID_RECIPIENT,
            f"{raw!r} is not a valid phone number in E.164 format (e.g. +919876543210)",
            field="recipient",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def levels_of(request: SubmitRequest) -> list[Level]:
    levels = [Level("", request.channel, request.template_id, request.sender_id)]
    for i, level in enumerate(request.fallback):
        levels.append(Level(f"fallback[{i}].", level.channel, level.template_id, level.sender_id))
    return levels


def check_level(
    level: Level,
    template: TemplateInfo | None,
    approved_senders: frozenset[str],
    enabled: frozenset[Channel],
    variables: dict[str, str],
) -> None:
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
    missing = [str(i) for i in range(1, template.variables + 1) if str(i) not in variables]
    if missing:
        raise ApiError(
            ErrorCode.MISSING_VARIABLES,
            f"template {template.name!r} needs {template.variables} variables; missing position(s) "
            + ", ".join(missing),
            field="variables",
        )


def check_not_blacklisted(recipient: str, blacklist: frozenset[str]) -> None:
    if recipient in blacklist:
        raise ApiError(
            ErrorCode.RECIPIENT_BLACKLISTED,
            f"{recipient} is on this account's blacklist; remove it from the blacklist to send",
            field="recipient",
        )


def build_event(
    request: SubmitRequest, *, message_id: str, account_id: int, recipient: str, primary: TemplateInfo, now: datetime
) -> MessageSubmittedV1:
    return MessageSubmittedV1(
        message_id=message_id,
        account_id=account_id,
        channel=request.channel,
        recipient=recipient,
        template_id=request.template_id,
        template_name=primary.name,
        sender_id=request.sender_id if request.channel == Channel.SMS else None,
        variables=normalize_variables(request.variables),
        attempt=1,
        fallback=[
            FallbackLevel(channel=f.channel, template_id=f.template_id, sender_id=f.sender_id) for f in request.fallback
        ],
        submitted_at=now,
    )
