"""Templates: names, bodies, types, the channel's own fields (DLT id and category for SMS,
category and header for WhatsApp), the content of each channel and type (the contract's
models in cpaas.contracts.template_content), and what a checked template is stored as.

SMS and voice templates are approved at once; WhatsApp and RCS ones go PENDING for an
administrator and their connector registers them with the provider."""

import re
from dataclasses import dataclass

from pydantic import ValidationError

from cpaas.console.domain.errors import InvalidField
from cpaas.console.domain.sender_ids import DLT_ID
from cpaas.contracts.template_content import parse_content

TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SMS_CATEGORIES = ("UIC", "MIC", "SIC", "Auth")
# billing prices them UIC (UTILITY), MIC (MARKETING), SIC (SERVICE), Auth / Auth INT
# (AUTHENTICATION, by the recipient's country); Meta is asked to approve SERVICE as UTILITY
WHATSAPP_CATEGORIES = ("MARKETING", "UTILITY", "SERVICE", "AUTHENTICATION")
TEMPLATE_TYPES = {
    "SMS": ("TEXT",),
    "WHATSAPP": ("TEXT", "MEDIA"),
    "RCS": ("TEXT", "RICH_CARD", "CAROUSEL"),
    "VOICE": ("TTS",),
}
MEDIA_HEADERS = ("IMAGE", "VIDEO", "DOCUMENT")
REVIEWED_CHANNELS = ("WHATSAPP", "RCS")
MAX_BODY_CHARS = 4096


@dataclass(frozen=True)
class TemplateDraft:
    """A template's parts as checked and stored (its identity is added once it is found)."""

    status: str
    category: str | None
    template_type: str
    body: str
    dlt_template_id: str | None
    content: dict
    language: str
    waba_number_id: int | None = None
    rcs_bot_id: int | None = None


def template_name(name: str) -> str:
    if not TEMPLATE_NAME.match(name):
        raise InvalidField("name", "name must be 1-64 characters: letters, digits, underscores and hyphens only")
    return name


def template_body(body: str) -> str:
    if not body.strip():
        raise InvalidField("body", "body must not be empty")
    if len(body) > MAX_BODY_CHARS:
        raise InvalidField("body", f"body must be at most {MAX_BODY_CHARS} characters")
    return body


def type_for(channel: str, value: str | None) -> str:
    """The channel's type (its first when none is given)."""
    allowed = TEMPLATE_TYPES[channel]
    value = value or allowed[0]
    if value not in allowed:
        raise InvalidField("templateType", f"templateType for {channel} must be one of {', '.join(allowed)}")
    return value


def sms_fields(dlt_template_id: str | None, category: str | None) -> None:
    if not dlt_template_id or not DLT_ID.match(dlt_template_id):
        raise InvalidField("dltTemplateId", "dltTemplateId is required: the DLT template id, digits only")
    if category not in SMS_CATEGORIES:
        raise InvalidField("category", f"category must be one of {', '.join(SMS_CATEGORIES)}")


def whatsapp_category(category: str | None) -> None:
    if category not in WHATSAPP_CATEGORIES:
        raise InvalidField("category", f"category must be one of {', '.join(WHATSAPP_CATEGORIES)}")


def whatsapp_header(template_type: str, header_type: str | None) -> None:
    """A MEDIA template has a media header; a TEXT one has none, or a text one."""
    media = header_type in MEDIA_HEADERS
    if template_type == "MEDIA" and not media:
        raise InvalidField("content.header", "a MEDIA template needs an IMAGE, VIDEO or DOCUMENT header")
    if template_type == "TEXT" and media:
        raise InvalidField("templateType", f"a template with an {header_type} header is of type MEDIA")


def checked_content(channel: str, template_type: str, value: dict) -> dict:
    """The content as the contract's model writes it (unset members left out); {} for SMS."""
    try:
        parsed = parse_content(channel, template_type, value)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        message = f"{where}: {first['msg']}" if where else first["msg"]
        raise InvalidField(f"content.{where}" if where else "content", message) from None
    return parsed.model_dump(mode="json", exclude_none=True) if parsed is not None else {}


def draft(
    channel: str,
    *,
    body: str,
    category: str | None,
    template_type: str | None,
    dlt_template_id: str | None,
    language: str,
    content: dict,
) -> TemplateDraft:
    """A new or re-submitted template of `channel`, checked: the first fault is raised."""
    template_body(body)
    kind = type_for(channel, template_type)
    if channel == "SMS":
        sms_fields(dlt_template_id, category)
    if channel == "WHATSAPP":
        whatsapp_category(category)
        whatsapp_header(kind, (content.get("header") or {}).get("type"))
    return TemplateDraft(
        status="PENDING" if channel in REVIEWED_CHANNELS else "APPROVED",
        category=category,
        template_type=kind,
        body=body,
        dlt_template_id=dlt_template_id if channel == "SMS" else None,
        content=checked_content(channel, kind, content),
        language=language,
    )


def provider_status(status: str) -> str:
    """A provider's verdict as the console records it: PENDING, APPROVED or FAILED (a
    provider's REJECTED counts as FAILED: the template cannot be sent)."""
    return "FAILED" if status in ("REJECTED", "FAILED") else status


DEFAULT_VOICE_CALLER_ID = "+919000000002"  # the voice connector's default caller ID (CPAAS_VOICE_CONNECTOR_CALLER_ID)


def identity(
    channel: str,
    *,
    waba_number: str | None,
    bot_name: str | None,
    sender_ids: str | None,
    dlt_template_id: str | None,
    caller_id: str | None,
) -> str | None:
    """What a template goes out as, the Templates list's Identity column: WhatsApp its WABA
    number, RCS its bot, SMS the account's approved sender IDs (the DLT headers it can go out
    under) or else its DLT template ID, voice the caller ID the calls come from."""
    if channel == "WHATSAPP":
        return waba_number
    if channel == "RCS":
        return bot_name
    if channel == "SMS":
        return sender_ids or (f"DLT {dlt_template_id}" if dlt_template_id else None)
    if channel == "VOICE":
        return caller_id or DEFAULT_VOICE_CALLER_ID
    return None
