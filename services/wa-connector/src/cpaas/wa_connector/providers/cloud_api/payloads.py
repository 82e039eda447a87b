"""WhatsApp Cloud API (Graph API) wire formats: what we send, and what it answers and
POSTs back. Outbound models are strict (a typo is a bug here, not at Meta); inbound ones
keep unknown fields, since Meta adds fields within a version."""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Outbound(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)


# --- POST /{version}/{phone_number_id}/messages


class MediaLink(_Outbound):
    link: str


class Parameter(_Outbound):
    type: Literal["text", "image", "video", "document"]
    text: str | None = None
    image: MediaLink | None = None
    video: MediaLink | None = None
    document: MediaLink | None = None


class Component(_Outbound):
    type: Literal["header", "body"]
    parameters: list[Parameter]


class Language(_Outbound):
    code: str


class Template(_Outbound):
    name: str
    language: Language
    components: list[Component] = Field(default_factory=list)


class SendRequest(_Outbound):
    messaging_product: Literal["whatsapp"] = "whatsapp"
    recipient_type: Literal["individual"] = "individual"
    to: str  # digits, no '+'
    type: Literal["template"] = "template"
    template: Template
    biz_opaque_callback_data: str | None = Field(None, max_length=512)  # echoed in every status webhook

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class Contact(_Inbound):
    input: str
    wa_id: str


class SentMessage(_Inbound):
    id: str = Field(min_length=1)
    message_status: str | None = None


class SendResponse(_Inbound):
    messaging_product: str
    contacts: list[Contact] = Field(default_factory=list)
    messages: list[SentMessage] = Field(min_length=1)


class GraphError(_Inbound):
    message: str = ""
    type: str | None = None
    code: int | None = None
    error_subcode: int | None = None
    error_user_title: str | None = None
    error_user_msg: str | None = None
    error_data: dict[str, Any] | None = None
    fbtrace_id: str | None = None

    @property
    def details(self) -> str | None:
        return (self.error_data or {}).get("details")


class GraphErrorResponse(_Inbound):
    error: GraphError


# --- POST /{version}/{waba_id}/message_templates


class ButtonDefinition(_Outbound):
    type: Literal["QUICK_REPLY", "URL", "PHONE_NUMBER"]
    text: str
    url: str | None = None
    phone_number: str | None = None


class TemplateComponentDefinition(_Outbound):
    type: Literal["HEADER", "BODY", "FOOTER", "BUTTONS"]
    format: Literal["TEXT", "IMAGE", "VIDEO", "DOCUMENT"] | None = None
    text: str | None = None
    buttons: list[ButtonDefinition] | None = None
    example: dict[str, Any] | None = None


class CreateTemplateRequest(_Outbound):
    name: str
    language: str
    category: str
    components: list[TemplateComponentDefinition]

    def wire(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)


class CreateTemplateResponse(_Inbound):
    id: str = Field(min_length=1)
    status: str | None = None
    category: str | None = None


# --- webhooks: {"object": "whatsapp_business_account", "entry": [{"id", "changes": [{"field", "value"}]}]}


class StatusErrorDetail(_Inbound):
    code: int
    title: str | None = None
    message: str | None = None
    error_data: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        details = (self.error_data or {}).get("details")
        title = self.title or self.message or f"error {self.code}"
        return f"{title}: {details}" if details and details not in title else title


class Status(_Inbound):
    id: str
    status: str
    timestamp: str
    recipient_id: str | None = None
    biz_opaque_callback_data: str | None = None
    errors: list[StatusErrorDetail] = Field(default_factory=list)


class Metadata(_Inbound):
    display_phone_number: str | None = None
    phone_number_id: str | None = None


class MessagesValue(_Inbound):
    messaging_product: str | None = None
    metadata: Metadata | None = None
    statuses: list[Status] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)  # inbound messages: not handled here


class RejectionInfo(_Inbound):
    """Meta's explanation of an INVALID_FORMAT rejection: what is wrong and what to change."""

    reason: str | None = None
    recommendation: str | None = None


class TemplateStatusValue(_Inbound):
    event: str
    message_template_id: str
    message_template_name: str
    message_template_language: str
    reason: str | None = None
    rejection_info: RejectionInfo | None = None


class Change(_Inbound):
    field: str
    value: dict[str, Any]


class Entry(_Inbound):
    id: str
    time: int | None = None
    changes: list[Change] = Field(default_factory=list)


class Notification(_Inbound):
    object: str
    entry: list[Entry] = Field(default_factory=list)
