"""Public id formats.

Message ids are `msg_` followed by a 26-character ULID (Crockford base32 of a 48-bit
millisecond timestamp and 80 random bits): unique without coordination, sortable by
creation time, and safe in URLs. Account and template ids are integers, as in the guide.
"""

import re
import secrets
import time

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
MESSAGE_ID_PREFIX = "msg_"
MESSAGE_ID_PATTERN = r"^msg_[0-9A-HJKMNP-TV-Z]{26}$"
_MESSAGE_ID_RE = re.compile(MESSAGE_ID_PATTERN)


def _ulid(now_ms: int) -> str:
    value = (now_ms << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_message_id(now_ms: int | None = None) -> str:
    return MESSAGE_ID_PREFIX + _ulid(int(time.time() * 1000) if now_ms is None else now_ms)


def is_message_id(value: str) -> bool:
    return bool(_MESSAGE_ID_RE.match(value))


def message_id_time_ms(message_id: str) -> int:
    """The creation time encoded in a message id, in milliseconds since the epoch."""
    value = 0
    for char in message_id[len(MESSAGE_ID_PREFIX) : len(MESSAGE_ID_PREFIX) + 10]:
        value = (value << 5) | _CROCKFORD.index(char)
    return value
