"""Wire shapes of the Graph API calls the imitation answers, and its error envelope.

Every refusal has the Graph shape `{"error": {"message", "type", "code", "error_data",
"error_subcode", "fbtrace_id"}}`; the codes are those of Meta's Cloud API error table.
"""

import secrets
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.responses import JSONResponse

# Graph error codes used here (https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes)
INVALID_TOKEN = 190  # "Invalid OAuth access token", HTTP 401
INVALID_PARAMETER = 100  # "(#100) Invalid parameter", HTTP 400
RECIPIENT_NOT_ALLOWED = 131030  # "Recipient phone number not in allowed list", HTTP 400: a refusal at the send
UNDELIVERABLE = 131026  # status webhook: "Receiver is incapable of receiving this message"
TEMPLATE_DOES_NOT_EXIST = 132001  # HTTP 404: no APPROVED template of that name in that language
ECOSYSTEM_ENGAGEMENT = 131049  # status webhook: "not delivered to maintain healthy ecosystem engagement"
UNKNOWN_OBJECT_SUBCODE = 33  # with code 100: "Object with ID ... does not exist"


class RegisterRequest(BaseModel):
    """`POST /{phone_number_id}/register`: Meta's registration of a number for the Cloud API."""

    model_config = ConfigDict(extra="forbid")
    messaging_product: Literal["whatsapp"]
    pin: str = Field(pattern=r"^[0-9]{6}$", description="the two-step verification PIN to set (6 digits)")


class GraphError(Exception):
    def __init__(
        self,
        http_status: int,
        code: int,
        message: str,
        *,
        details: str | None = None,
        subcode: int | None = None,
        kind: str = "OAuthException",
    ) -> None:
        super().__init__(message)
        self.http_status, self.code, self.message = http_status, code, message
        self.details, self.subcode, self.kind = details, subcode, kind

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message, "type": self.kind, "code": self.code}
        if self.details is not None:
            error["error_data"] = {"messaging_product": "whatsapp", "details": self.details}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        error["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
        return {"error": error}

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.http_status)


def invalid_token() -> GraphError:
    return GraphError(401, INVALID_TOKEN, "Invalid OAuth access token - Cannot parse access token")


def invalid_parameter(details: str) -> GraphError:
    return GraphError(400, INVALID_PARAMETER, "(#100) Invalid parameter", details=details)


def unknown_object(object_id: str) -> GraphError:
    """What Graph answers a call on an id it does not know (a phone-number id never registered):
    HTTP 400, code 100, subcode 33, type GraphMethodException."""
    return GraphError(
        400,
        INVALID_PARAMETER,
        f"Unsupported post request. Object with ID '{object_id}' does not exist, cannot be loaded due to missing"
        " permissions, or does not support this operation. Please read the Graph API documentation at"
        " https://developers.facebook.com/docs/graph-api",
        subcode=UNKNOWN_OBJECT_SUBCODE,
        kind="GraphMethodException",
    )


def template_not_approved(name: str, language: str) -> GraphError:
    """What Meta answers a send with a template it has not approved (PENDING or REJECTED)."""
    return GraphError(
        404,
        TEMPLATE_DOES_NOT_EXIST,
        "(#132001) Template name does not exist in the translation",
        details=f"template name ({name}) does not exist in {language}",
    )


def recipient_refused() -> GraphError:
    return GraphError(
        400,
        RECIPIENT_NOT_ALLOWED,
        "(#131030) Recipient phone number not in allowed list",
        details="Recipient phone number not in allowed list: Add recipient phone number to recipient list and try again.",
        subcode=2655007,
    )


class _Wire(BaseModel):
    model_config = ConfigDict(extra="allow")


class Language(_Wire):
    code: str = Field(min_length=2, max_length=15)
    policy: Literal["deterministic"] | None = None


class Media(_Wire):
    link: str | None = None
    id: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> "Media":
        if not (self.link or self.id):
            raise ValueError("media needs a link or an id")
        return self


class Parameter(_Wire):
    type: Literal["text", "image", "video", "document", "currency", "date_time", "payload", "location"]
    text: str | None = Field(None, min_length=1, max_length=32_768)
    image: Media | None = None
    video: Media | None = None
    document: Media | None = None
    payload: str | None = None

    @model_validator(mode="after")
    def _has_its_value(self) -> "Parameter":
        if self.type in ("text", "image", "video", "document", "payload") and getattr(self, self.type) is None:
            raise ValueError(f"a {self.type} parameter needs its '{self.type}' value")
        return self


class SendComponent(_Wire):
    type: Literal["header", "body", "button"]
    sub_type: str | None = None
    index: int | str | None = None
    parameters: list[Parameter] = Field(default_factory=list)


class TemplateRef(_Wire):
    name: str = Field(min_length=1, max_length=512)
    language: Language
    components: list[SendComponent] = Field(default_factory=list)


class Text(_Wire):
    body: str = Field(min_length=1, max_length=4096)
    preview_url: bool = False


class SendMessageRequest(_Wire):
    messaging_product: Literal["whatsapp"]
    recipient_type: Literal["individual"] = "individual"
    to: str = Field(pattern=r"^\+?[1-9][0-9]{6,14}$")
    type: Literal["template", "text"] = "text"
    template: TemplateRef | None = None
    text: Text | None = None
    biz_opaque_callback_data: str | None = Field(None, max_length=512)

    @model_validator(mode="after")
    def _object_of_its_type(self) -> "SendMessageRequest":
        if getattr(self, self.type) is None:
            raise ValueError(f"a '{self.type}' message needs its '{self.type}' object")
        return self

    @property
    def wa_id(self) -> str:
        return self.to.lstrip("+")


class TemplateComponentDefinition(_Wire):
    type: Literal["HEADER", "BODY", "FOOTER", "BUTTONS"]
    format: Literal["TEXT", "IMAGE", "VIDEO", "DOCUMENT", "LOCATION"] | None = None
    text: str | None = None
    buttons: list[dict[str, Any]] | None = None
    example: dict[str, Any] | None = None


class CreateTemplateRequest(_Wire):
    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$")
    language: str = Field(min_length=2, max_length=15)
    category: Literal["MARKETING", "UTILITY", "AUTHENTICATION"]
    components: list[TemplateComponentDefinition] = Field(min_length=1)

    @model_validator(mode="after")
    def _has_a_body(self) -> "CreateTemplateRequest":
        if not any(c.type == "BODY" for c in self.components):
            raise ValueError("a template needs a BODY component")
        return self
