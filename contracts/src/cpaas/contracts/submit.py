"""The public submit request and answer (`POST /api/v1/messages/submit`): the gateway
validates with them, and the console's Quick Message sends the same shape."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from cpaas.contracts.enums import Channel
from cpaas.contracts.templating import MAX_VARIABLE_LENGTH, forbidden_character

MAX_VARIABLES = 50
MAX_ID = 2**63 - 1  # ids are PostgreSQL bigints: a larger one is refused here, not by the database
SenderIdIn = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,11}$")]
Variable = Annotated[str, StringConstraints(max_length=MAX_VARIABLE_LENGTH)]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, serialize_by_alias=True, extra="forbid")


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


Variables = list[Variable] | dict[str, Variable] | None
VARIABLES_DESCRIPTION = (
    'Template variables by position: ["482913", "10"] or {"1": "482913", "2": "10"}.'
    " Text, newline and tab; other control characters (NUL, CR, ESC, DEL, C1) are refused"
)


def check_variables(value: list | dict | None) -> list | dict | None:
    """At most MAX_VARIABLES, each carrier-safe text (the primary's and every fallback level's)."""
    if not value:
        return value
    if len(value) > MAX_VARIABLES:
        raise ValueError(f"at most {MAX_VARIABLES} variables")
    texts = value if isinstance(value, list) else [*value, *value.values()]
    if forbidden_character("\n".join(texts)) is None:  # one scan on the hot path; newline is allowed
        return value
    pairs = enumerate(value, start=1) if isinstance(value, list) else value.items()
    for position, text in pairs:
        for part, what in ((str(position), "the name of variable"), (text, "variable")):
            bad = forbidden_character(part)
            if bad:
                raise PydanticCustomError(
                    "variable_control_character",
                    "{what} {position} contains the control character {character};"
                    " only text, newline and tab are allowed",
                    {"what": what, "position": repr(str(position)), "character": bad},
                )
    return value


class FallbackLevelIn(_Model):
    """One fallback level, with its own template and that template's own variables."""

    channel: Channel = Field(description="Channel of this fallback level")
    template_id: int = Field(gt=0, le=MAX_ID, description="An approved template of that channel")
    sender_id: SenderIdIn | None = Field(None, description="Approved sender ID (SMS levels only)")
    variables: Variables = Field(
        None,
        description="This level's template variables by position (a level never reuses the primary's);"
        " may be left out only when its template has none. " + VARIABLES_DESCRIPTION,
    )

    _channel_upper = field_validator("channel", mode="before")(_upper)
    _variables = field_validator("variables")(check_variables)


class SubmitRequest(_Model):
    """`POST /api/v1/messages/submit`, as in the user guide's REST API section."""

    recipient: str = Field(max_length=32, description="E.164 number, e.g. +919876543210")
    channel: Channel = Field(description="SMS, WHATSAPP, RCS or VOICE")
    template_id: int = Field(gt=0, le=MAX_ID, description="An APPROVED template of this account and channel")
    sender_id: SenderIdIn | None = Field(None, description="Approved sender ID; required for SMS")
    variables: Variables = Field(None, description="The primary template's variables. " + VARIABLES_DESCRIPTION)
    fallback: list[FallbackLevelIn] = Field(
        default_factory=list,
        max_length=2,
        description="Up to 2 fallback levels, tried in order; each carries its own template's variables",
    )

    _channel_upper = field_validator("channel", mode="before")(_upper)
    _variables = field_validator("variables")(check_variables)


class SubmitResponse(_Model):
    message_id: str
    status: str
    channel: Channel
    recipient: str
