"""India's DLT registrations an SMS needs: the sender ID (the header), the Principal
Entity ID of the business, and the DLT id of each template."""

import re

from cpaas.console.domain.errors import InvalidField

SENDER_ID = re.compile(r"^[A-Za-z0-9]{1,11}$")
DLT_ID = re.compile(r"^[0-9]{1,30}$")  # DLT template ids and PE ids


def sender_id(value: str) -> str:
    if not SENDER_ID.match(value):
        raise InvalidField("senderId", "senderId must be 1-11 letters or digits, no spaces")
    return value


def pe_id(value: str) -> str:
    if not DLT_ID.match(value):
        raise InvalidField("peId", "peId must be the DLT Principal Entity ID, digits only")
    return value
