"""Validation rules of what console users submit; each raises InvalidField(field, message)."""

import ipaddress
import re

import phonenumbers

TEMPLATE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SENDER_ID = re.compile(r"^[A-Za-z0-9]{1,11}$")
DLT_ID = re.compile(r"^[0-9]{1,30}$")  # DLT template ids and PE ids
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
RCS_HANDLE = re.compile(r"^[a-z0-9_.-]{3,64}$")
SMS_CATEGORIES = ("UIC", "MIC", "SIC", "Auth")
WHATSAPP_CATEGORIES = ("MARKETING", "UTILITY", "AUTHENTICATION")
TEMPLATE_TYPES = {
    "SMS": ("TEXT",),
    "WHATSAPP": ("TEXT", "MEDIA"),
    "RCS": ("TEXT", "RICH_CARD", "CAROUSEL"),
    "VOICE": ("TTS",),
}
MAX_BODY_CHARS = 4096
MAX_ALLOWLIST_ENTRIES = 100
MIN_PASSWORD_CHARS = 8


class InvalidField(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


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


def template_type(channel: str, value: str | None) -> str:
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


def whatsapp_header(template_type: str, header_type: str | None) -> None:
    """A MEDIA template has a media header; a TEXT one has none, or a text one."""
    media = header_type in ("IMAGE", "VIDEO", "DOCUMENT")
    if template_type == "MEDIA" and not media:
        raise InvalidField("content.header", "a MEDIA template needs an IMAGE, VIDEO or DOCUMENT header")
    if template_type == "TEXT" and media:
        raise InvalidField("templateType", f"a template with an {header_type} header is of type MEDIA")


def whatsapp_category(category: str | None) -> None:
    if category not in WHATSAPP_CATEGORIES:
        raise InvalidField("category", f"category must be one of {', '.join(WHATSAPP_CATEGORIES)}")


def sender_id(value: str) -> str:
    if not SENDER_ID.match(value):
        raise InvalidField("senderId", "senderId must be 1-11 letters or digits, no spaces")
    return value


def pe_id(value: str) -> str:
    if not DLT_ID.match(value):
        raise InvalidField("peId", "peId must be the DLT Principal Entity ID, digits only")
    return value


def e164(value: str, field: str = "recipient") -> str:
    """A phone number in international format, normalised to E.164."""
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not value.startswith("+") or not phonenumbers.is_valid_number(number):
        raise InvalidField(field, f"{field} must be a valid phone number in international format, e.g. +919876543210")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def ip_allowlist(entries: list[str]) -> list[str]:
    """IP addresses and CIDR ranges, or "*" for every address; blank entries are dropped."""
    cleaned = [e.strip() for e in entries if e.strip()]
    if len(cleaned) > MAX_ALLOWLIST_ENTRIES:
        raise InvalidField("entries", f"at most {MAX_ALLOWLIST_ENTRIES} entries")
    result = []
    for index, entry in enumerate(cleaned):
        if entry == "*":
            result.append(entry)
            continue
        try:
            result.append(
                str(ipaddress.ip_network(entry, strict=False)) if "/" in entry else str(ipaddress.ip_address(entry))
            )
        except ValueError:
            raise InvalidField(f"entries.{index}", f"{entry!r} is not an IP address, a CIDR range or *") from None
    return result


def password(value: str) -> str:
    if len(value) < MIN_PASSWORD_CHARS:
        raise InvalidField("password", f"password must be at least {MIN_PASSWORD_CHARS} characters")
    return value


def username(value: str) -> str:
    if not USERNAME.match(value):
        raise InvalidField("username", "username must be 3-64 letters, digits or _ . @ -")
    return value
