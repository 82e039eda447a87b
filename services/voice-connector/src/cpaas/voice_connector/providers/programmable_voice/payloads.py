"""The provider's wire formats (Twilio's Calls API, 2010-04-01): the create-call form, the
call resource and error answered, and the status-callback form."""

from datetime import datetime
from email.utils import parsedate_to_datetime

from pydantic import BaseModel, ConfigDict, Field

API_VERSION = "2010-04-01"
CALLBACK_EVENTS = ("initiated", "ringing", "answered", "completed")


class CreateCallForm(BaseModel):
    """POST /2010-04-01/Accounts/{AccountSid}/Calls.json, form-encoded."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    to: str = Field(alias="To")
    from_: str = Field(alias="From")
    twiml: str = Field(alias="Twiml")
    status_callback: str = Field(alias="StatusCallback")
    status_callback_method: str = Field("POST", alias="StatusCallbackMethod")
    status_callback_event: tuple[str, ...] = Field(CALLBACK_EVENTS, alias="StatusCallbackEvent")

    def form(self) -> list[tuple[str, str]]:
        """The form fields in a fixed order; a list field repeats its name, as Twilio's
        helper libraries send it."""
        pairs: list[tuple[str, str]] = []
        for name, field in type(self).model_fields.items():
            value = getattr(self, name)
            values = value if isinstance(value, tuple) else (value,)
            pairs += [(field.alias or name, str(v)) for v in values]
        return pairs


class CallResource(BaseModel):
    """The call resource answered by a create (201) or a fetch (200)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    sid: str = Field(pattern=r"^CA[0-9a-fA-F]{32}$")
    status: str
    to: str | None = None
    from_: str | None = Field(None, alias="from")
    date_created: str | None = None
    end_time: str | None = None  # RFC 2822, once the call is over
    duration: int | None = Field(None, ge=0)  # seconds, a string on the wire ("12")

    def ended_at(self, default: datetime) -> datetime:
        """When the call ended (`default` while it has not, or when unreadable)."""
        if not self.end_time:
            return default
        try:
            return parsedate_to_datetime(self.end_time)
        except (TypeError, ValueError):
            return default


class ApiErrorBody(BaseModel):
    """A refusal: {"code": 21211, "message": "...", "more_info": "...", "status": 400}."""

    model_config = ConfigDict(extra="ignore")

    code: int
    message: str = ""
    more_info: str | None = None
    status: int | None = None


class StatusCallbackForm(BaseModel):
    """The form of a status callback (only the fields we use; others are ignored)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    call_sid: str = Field(alias="CallSid", pattern=r"^CA[0-9a-fA-F]{32}$")
    call_status: str = Field(alias="CallStatus", min_length=1)
    account_sid: str | None = Field(None, alias="AccountSid")
    to: str | None = Field(None, alias="To")
    from_: str | None = Field(None, alias="From")
    timestamp: str | None = Field(None, alias="Timestamp")
    call_duration: int | None = Field(None, alias="CallDuration", ge=0)
    sip_response_code: int | None = Field(None, alias="SipResponseCode")
    sequence_number: int | None = Field(None, alias="SequenceNumber", ge=0)

    def occurred_at(self, default: datetime) -> datetime:
        """Timestamp is RFC 2822 ('Tue, 31 Aug 2010 20:36:28 +0000'); `default` when absent or unreadable."""
        if not self.timestamp:
            return default
        try:
            return parsedate_to_datetime(self.timestamp)
        except (TypeError, ValueError):
            return default
