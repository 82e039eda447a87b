"""Delivery receipts as SMPP writes them: the SMPP 3.4 Appendix B text of a deliver_sm
and the receipt TLVs, and a query_sm_resp that stands for a receipt.

`id:<id> sub:001 dlvrd:001 submit date:YYMMDDhhmm[ss] done date:YYMMDDhhmm[ss] stat:DELIVRD
err:000 text:...`. Keys are matched without regard to case; everything from `text:` on
is the message sample and is not parsed (it could contain anything). Dates carry no
zone; they are read as UTC.
"""

import re
from datetime import UTC, datetime, timedelta, timezone

from cpaas.sms_connector.providers.base import Receipt
from cpaas.sms_connector.providers.smpp.statuses import MESSAGE_STATE_STAT, QUERY_FINAL_STATES

_FIELD = re.compile(r"(?i)\b(id|sub|dlvrd|submit date|done date|stat|err):(\S*)")
_TEXT = re.compile(r"(?i)\btext:")
DATE_FORMATS = {10: "%y%m%d%H%M", 12: "%y%m%d%H%M%S"}
_ABSOLUTE_TIME = re.compile(r"^(\d{12})(\d)(\d{2})([+-])$")  # YYMMDDhhmmss t nn p (SMPP 3.4, 7.1.1.1)
QUARTER_HOUR_MINUTES = 15


class NotAReceipt(ValueError):
    """A deliver_sm that names no message or no state."""


def parse_receipt_text(text: str) -> dict[str, str]:
    """The receipt's fields, keys lower-case ('done date'), values as written."""
    head = _TEXT.split(text, maxsplit=1)[0]
    return {key.lower(): value for key, value in _FIELD.findall(head)}


def parse_smpp_date(value: str | None) -> datetime | None:
    fmt = DATE_FORMATS.get(len(value or ""))
    if not value or fmt is None or not value.isdigit():
        return None
    try:
        return datetime.strptime(value, fmt).replace(tzinfo=UTC)
    except ValueError:
        return None


def parse_receipt(
    text: str, receipted_message_id: str | None, message_state: int | None, received_at: datetime
) -> Receipt:
    """Combine the text with the TLVs; the TLVs win where both are present (some SMSCs
    write a decimal id in the text and the real one in receipted_message_id)."""
    fields = parse_receipt_text(text)
    carrier_id = receipted_message_id or fields.get("id")
    stat = MESSAGE_STATE_STAT.get(message_state or 0) or fields.get("stat")
    if not carrier_id or not stat:
        raise NotAReceipt(f"no message id or state in {text[:80]!r}")
    return Receipt(carrier_id, stat.upper(), fields.get("err"), parse_smpp_date(fields.get("done date")), received_at)


def parse_smpp_absolute_time(value: str) -> datetime | None:
    """'YYMMDDhhmmsstnnp': tenths of a second t, nn quarter hours from UTC, p '+' or '-'."""
    match = _ABSOLUTE_TIME.match(value or "")
    if match is None:
        return None
    stamp, tenths, quarters, sign = match.groups()
    offset = timedelta(minutes=int(quarters) * QUARTER_HOUR_MINUTES) * (1 if sign == "+" else -1)
    try:
        local = datetime.strptime(stamp, "%y%m%d%H%M%S").replace(tzinfo=timezone(offset))
    except ValueError:
        return None
    return (local + timedelta(milliseconds=100 * int(tenths))).astimezone(UTC)


def receipt_from_query(
    carrier_message_id: str, message_state: int, error_code: int, final_date: str, received_at: datetime
) -> Receipt | None:
    """A query_sm_resp that states a final outcome, as the receipt it stands for; None
    while the SMSC has no final outcome (ENROUTE, ACCEPTED, UNKNOWN, or a state outside
    SMPP 3.4)."""
    if message_state not in QUERY_FINAL_STATES:
        return None
    stat = MESSAGE_STATE_STAT[message_state]
    return Receipt(carrier_message_id, stat, f"{error_code:03d}", parse_smpp_absolute_time(final_date), received_at)
