"""Calls, and what the carrier world does with each: the progress a recipient's number
decides (magic numbers, see `plan_for`). Pure data; no I/O.
"""

import math
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime

from pydantic import BaseModel, ConfigDict, Field

from cpaas.sandbox.outcomes import Outcome, outcome_for
from cpaas.sandbox.voice.twiml import Say

API_VERSION = "2010-04-01"
WORDS_PER_SECOND = 2.5  # speaking rate used to give a completed call its duration

# Call statuses (Twilio's names) and the StatusCallbackEvent each one is reported under.
QUEUED, INITIATED, RINGING, IN_PROGRESS = "queued", "initiated", "ringing", "in-progress"
COMPLETED, BUSY, NO_ANSWER, FAILED = "completed", "busy", "no-answer", "failed"
FINAL_STATUSES = frozenset({COMPLETED, BUSY, NO_ANSWER, FAILED, "canceled"})
EVENT_OF_STATUS = {INITIATED: "initiated", RINGING: "ringing", IN_PROGRESS: "answered"}
CALLBACK_EVENTS = frozenset({"initiated", "ringing", "answered", "completed"})
DEFAULT_CALLBACK_EVENTS = frozenset({"completed"})  # Twilio's default when StatusCallbackEvent is absent

# Voice-only magic suffixes, checked before the sandbox's shared table (outcomes.py).
BUSY_SUFFIX, FAILED_SUFFIX = "906", "907"


@dataclass(frozen=True)
class Step:
    """One status the call moves to, `call_progress_delay_seconds` after the previous one."""

    status: str
    sip_response_code: int | None = None


ANSWERED = (Step(INITIATED), Step(RINGING), Step(IN_PROGRESS), Step(COMPLETED, 200))
PLANS: dict[str, tuple[Step, ...]] = {
    Outcome.DELIVERED: ANSWERED,
    Outcome.CHANNEL_NOT_SUPPORTED: ANSWERED,  # 903: no WhatsApp/RCS on the handset; voice works
    Outcome.NEVER_READ: ANSWERED,  # 904: delivered then read on WA/RCS; a call has no read state
    Outcome.UNDELIVERABLE: (Step(INITIATED), Step(RINGING), Step(NO_ANSWER, 487)),  # 901
    Outcome.SILENT: (Step(INITIATED),),  # 902: nothing after initiated, ever
    BUSY_SUFFIX: (Step(INITIATED), Step(BUSY, 486)),
    FAILED_SUFFIX: (Step(INITIATED), Step(FAILED, 404)),
}


def plan_for(recipient: str) -> tuple[Step, ...] | None:
    """The statuses a call to `recipient` goes through; None: refused at creation (905)."""
    suffix = recipient.strip()[-3:]
    if suffix in (BUSY_SUFFIX, FAILED_SUFFIX):
        return PLANS[suffix]
    outcome = outcome_for(recipient)
    return None if outcome is Outcome.REFUSED else PLANS[outcome]


def spoken_seconds(says: list[Say]) -> int:
    """How long the call's speech lasts (at least one second)."""
    words = sum(len(say.text.split()) * say.loop for say in says)
    return max(1, math.ceil(words / WORDS_PER_SECOND))


def rfc2822(moment: datetime) -> str:
    """Twilio's date format: 'Tue, 31 Aug 2010 20:36:28 +0000'."""
    return format_datetime(moment.astimezone(UTC)).replace("-0000", "+0000")


def new_call_sid() -> str:
    return "CA" + secrets.token_hex(16)


class CallbackSent(BaseModel):
    """One status callback: what was reported and how the receiver answered."""

    status: str
    sequence_number: int
    http_status: int | None = None  # None: no answer (connection refused, timeout)
    attempts: int = 0


class Call(BaseModel):
    """A created call as the sandbox remembers it (GET /sandbox/voice/calls)."""

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    sid: str
    account_sid: str
    to: str
    from_: str = Field(alias="from")
    status: str = QUEUED
    twiml: str
    say: list[Say]
    status_callback: str | None = None
    status_callback_events: list[str] = Field(default_factory=list)
    date_created: datetime
    start_time: datetime | None = None
    end_time: datetime | None = None
    duration: int | None = None
    sip_response_code: int | None = None
    callbacks: list[CallbackSent] = Field(default_factory=list)

    def resource(self) -> dict:
        """The Calls resource as the REST API returns it."""
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{self.sid}"
        return {
            "sid": self.sid,
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "date_created": rfc2822(self.date_created),
            "date_updated": rfc2822(self.end_time or self.start_time or self.date_created),
            "start_time": rfc2822(self.start_time) if self.start_time else None,
            "end_time": rfc2822(self.end_time) if self.end_time else None,
            "direction": "outbound-api",
            "duration": str(self.duration) if self.duration is not None else None,
            "from": self.from_,
            "from_formatted": self.from_,
            "to": self.to,
            "to_formatted": self.to,
            "status": self.status,
            "parent_call_sid": None,
            "answered_by": None,
            "price": None,
            "price_unit": "USD",
            "uri": path + ".json",
            "subresource_uris": {"notifications": path + "/Notifications.json", "events": path + "/Events.json"},
        }

    def callback_params(self, status: str, sequence_number: int, at: datetime) -> list[tuple[str, str]]:
        """The form parameters of a status callback, as Twilio sends them."""
        params = [
            ("AccountSid", self.account_sid),
            ("ApiVersion", API_VERSION),
            ("CallSid", self.sid),
            ("CallStatus", status),
            ("Called", self.to),
            ("Caller", self.from_),
            ("CallbackSource", "call-progress-events"),
            ("Direction", "outbound-api"),
            ("From", self.from_),
            ("SequenceNumber", str(sequence_number)),
            ("Timestamp", rfc2822(at)),
            ("To", self.to),
        ]
        if status in FINAL_STATUSES and self.sip_response_code is not None:
            params.append(("SipResponseCode", str(self.sip_response_code)))
        if status == COMPLETED and self.duration is not None:
            params += [("CallDuration", str(self.duration)), ("Duration", str(math.ceil(self.duration / 60)))]
        return params


class CallBook:
    """The newest `size` calls, by sid and in creation order."""

    def __init__(self, size: int) -> None:
        self._order: deque[str] = deque()
        self._calls: dict[str, Call] = {}
        self.size = size

    def add(self, call: Call) -> None:
        self._calls[call.sid] = call
        self._order.append(call.sid)
        while len(self._order) > self.size:
            self._calls.pop(self._order.popleft(), None)

    def get(self, sid: str) -> Call | None:
        return self._calls.get(sid)

    def find(self, to: str | None, limit: int | None) -> list[Call]:
        """Calls to `to` (with or without '+'; all when None), oldest first."""
        wanted = to.strip().lstrip("+") if to else None
        calls = [self._calls[s] for s in self._order if wanted is None or self._calls[s].to.lstrip("+") == wanted]
        return calls[-limit:] if limit else calls
