"""A campaign row's message id, derived from (campaign, row), so that a restart that sends
a batch again sends the same ids and every consumer downstream dedupes them.

The format is the contracts' (`msg_` and a 26-character ULID: a 48-bit millisecond time
and 80 more bits, Crockford base32; `cpaas.contracts.ids`). The time is the campaign's
dispatch start (fixed once, before its first message is published); the 80 bits are not
random but a tag, the campaign id and the row's sequence number, so the id can be read
back: the status subscriber learns (campaign, row) from the id alone. A random id of the
gateway matches the tag and an existing campaign's time, id and row range with a
probability far below 2^-40 per message.
"""

from cpaas.contracts.ids import MESSAGE_ID_PREFIX, is_message_id

_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {char: value for value, char in enumerate(_CROCKFORD)}
TAG = 0xCA  # marks a campaign id in the top 8 of the 80 bits
CAMPAIGN_BITS = 36  # campaign ids up to 68 billion
ROW_BITS = 36  # rows up to 68 billion per campaign
MAX_CAMPAIGN_ID = (1 << CAMPAIGN_BITS) - 1
MAX_ROW = (1 << ROW_BITS) - 1
_TIME_SHIFT = 80


def campaign_message_id(time_ms: int, campaign_id: int, row: int) -> str:
    """The message id of row `row` (1-based) of campaign `campaign_id`."""
    if not 0 < campaign_id <= MAX_CAMPAIGN_ID or not 0 < row <= MAX_ROW:
        raise ValueError(f"campaign {campaign_id} row {row} is out of the id's range")
    value = (time_ms << _TIME_SHIFT) | (TAG << (CAMPAIGN_BITS + ROW_BITS)) | (campaign_id << ROW_BITS) | row
    chars = []
    for _ in range(26):
        chars.append(_CROCKFORD[value & 31])
        value >>= 5
    return MESSAGE_ID_PREFIX + "".join(reversed(chars))


def parse_campaign_message_id(message_id: str) -> tuple[int, int, int] | None:
    """(time ms, campaign id, row) of a campaign message id; None for any other id."""
    if not is_message_id(message_id):
        return None
    value = 0
    for char in message_id[len(MESSAGE_ID_PREFIX) :]:
        value = (value << 5) | _VALUE[char]
    if (value >> (CAMPAIGN_BITS + ROW_BITS)) & 0xFF != TAG:
        return None
    campaign_id = (value >> ROW_BITS) & MAX_CAMPAIGN_ID
    row = value & MAX_ROW
    if campaign_id == 0 or row == 0:
        return None
    return value >> _TIME_SHIFT, campaign_id, row
