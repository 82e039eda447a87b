"""Whether one entry of a campaign file can be sent, and why not: the same rules as an
API submit's recipient and variables (`cpaas.contracts.phone`, `cpaas.contracts.templating`),
plus the account's blacklist. Duplicates within the file are found over the whole file
by the store (one set-based statement), not here: a million numbers do not fit the
service's memory budget as a Python set.
"""

from dataclasses import dataclass
from enum import StrEnum

from cpaas.campaigns.domain.csvfile import Entry
from cpaas.campaigns.domain.numbers import to_e164
from cpaas.contracts.templating import MAX_VARIABLE_LENGTH, forbidden_character


class Reason(StrEnum):
    """Why a row is not sent (the rejected rows' `code`)."""

    INVALID_NUMBER = "INVALID_NUMBER"
    WRONG_VARIABLE_COUNT = "WRONG_VARIABLE_COUNT"
    INVALID_VARIABLE = "INVALID_VARIABLE"
    DUPLICATE = "DUPLICATE"
    BLACKLISTED = "BLACKLISTED"
    INVALID_UTF8 = "INVALID_UTF8"
    FRAUD_HOLD = "FRAUD_HOLD"  # at send time: the destination is on one of the account's fraud holds


@dataclass(frozen=True, slots=True)
class Rejection:
    seq: int
    line: int
    code: Reason
    reason: str
    shown: str


@dataclass(frozen=True, slots=True)
class GoodRow:
    seq: int
    line: int
    recipient: str  # E.164
    variables: list[str]


def check_entry(entry: Entry, *, variables: int, blacklist: frozenset[str]) -> GoodRow | Rejection:
    """The entry as a row to send, or its rejection with the reason a user reads."""
    if entry.bad_utf8:
        return _reject(entry, Reason.INVALID_UTF8, "the line is not valid UTF-8 text (save the file as UTF-8)")
    recipient = to_e164(entry.number)
    if recipient is None:
        shown = entry.number or "(empty)"
        return _reject(
            entry,
            Reason.INVALID_NUMBER,
            f"{shown[:40]!s} is not a phone number in international format (+919876543210)",
        )
    if len(entry.variables) != variables:
        return _reject(
            entry,
            Reason.WRONG_VARIABLE_COUNT,
            f"the campaign's templates need {variables} variable column(s) after the number (the primary's,"
            f" then each fallback level's); this row has {len(entry.variables)}",
        )
    problem = variable_problem(entry.variables)
    if problem:
        return _reject(entry, Reason.INVALID_VARIABLE, problem)
    if recipient in blacklist:
        return _reject(entry, Reason.BLACKLISTED, f"{recipient} is on this account's blacklist")
    return GoodRow(entry.seq, entry.line, recipient, entry.variables)


def variable_problem(values: list[str]) -> str | None:
    for position, value in enumerate(values, start=1):
        if len(value) > MAX_VARIABLE_LENGTH:
            return f"variable {position} is longer than {MAX_VARIABLE_LENGTH} characters"
        bad = forbidden_character(value)
        if bad:
            return f"variable {position} contains the control character {bad}"
    return None


def duplicate_reason(first_line: int) -> str:
    return f"duplicate of line {first_line}: each number is sent once per campaign"


def _reject(entry: Entry, code: Reason, reason: str) -> Rejection:
    return Rejection(entry.seq, entry.line, code, reason, entry.shown)
