"""The console's change notification: how readers of the console's tables learn of a change.

The console is the single writer of the `console` schema. A trigger on each table below
runs `pg_notify('cpaas_console', '<table>:<account id>')` for every inserted, updated or
deleted row (an `accounts` row names its own id, every other row its `account_id`), after
the row's transaction commits. Readers (`cpaas.control_plane`) LISTEN on the channel and
evict that account's cached data; a payload that does not parse means "something
changed" and drops everything. `format_change` and `parse_change` are the only code that
writes or reads the payload; a test applies the console's migrations to a real database
and holds each trigger to them.
"""

import re
from dataclasses import dataclass

CHANNEL = "cpaas_console"  # the PostgreSQL LISTEN/NOTIFY channel
SCHEMA = "console"  # the schema the console's migrations create its tables in
# Every table whose rows readers cache, each with the trigger that notifies its changes.
TABLES = frozenset({"accounts", "api_keys", "templates", "sender_ids", "blacklist", "waba_numbers", "rcs_bots"})
MAX_ACCOUNT_ID = 2**63 - 1  # account ids are PostgreSQL bigints
_PAYLOAD = re.compile(r"([a-z_]{1,63}):([1-9][0-9]{0,18})")


@dataclass(frozen=True, slots=True)
class ConsoleChange:
    """A row of `table` that belongs to `account_id` was inserted, updated or deleted."""

    table: str
    account_id: int


def format_change(table: str, account_id: int) -> str:
    """The payload the console's triggers send (`templates:42`)."""
    return f"{table}:{account_id}"


def parse_change(payload: str) -> ConsoleChange | None:
    """The change a payload announces, or None when it is not in the declared format."""
    match = _PAYLOAD.fullmatch(payload)
    if match is None or int(match.group(2)) > MAX_ACCOUNT_ID:
        return None
    return ConsoleChange(match.group(1), int(match.group(2)))
