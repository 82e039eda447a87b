"""Google RBM (RCS Business Messaging) wire formats, as the Virtuoso RBM API speaks them.

Outbound: AgentMessage (`POST /v1/phones/{msisdn}/agentMessages`), the template and
agent registrations (Virtuoso's additions, same style). Inbound: the capability answer,
the error body, and the webhook's Pub/Sub push envelope with the events it carries.
Field names are Google's camelCase; optional fields left unset are not sent.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Outbound(BaseModel):
    """A request body: camelCase, no unknown fields, unset fields omitted (wire())."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, exclude_none=True)


class Inbound(BaseModel):
    """A provider payload: camelCase, newer fields tolerated."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True)


# ---- AgentMessage ---------------------------------------------------------------------


class SuggestedReply(Outbound):
    text: str
    postback_data: str


class DialAction(Outbound):
    phone_number: str


class OpenUrlAction(Outbound):
    url: str


class SuggestedAction(Outbound):
    text: str
    postback_data: str
    dial_action: DialAction | None = None
    open_url_action: OpenUrlAction | None = None


class Suggestion(Outbound):
    reply: SuggestedReply | None = None
    action: SuggestedAction | None = None


class ContentInfo(Outbound):
    file_url: str
    force_refresh: bool = False


class Media(Outbound):
    height: Literal["SHORT", "MEDIUM", "TALL"] | None = None
    content_info: ContentInfo


class CardContent(Outbound):
    title: str | None = None
    description: str | None = None
    media: Media | None = None
    suggestions: list[Suggestion] | None = None


class StandaloneCard(Outbound):
    card_orientation: Literal["VERTICAL", "HORIZONTAL"]
    thumbnail_image_alignment: Literal["LEFT", "RIGHT"] | None = None
    card_content: CardContent


class CarouselCard(Outbound):
    card_width: Literal["SMALL", "MEDIUM"]
    card_contents: list[CardContent]


class RichCard(Outbound):
    standalone_card: StandaloneCard | None = None
    carousel_card: CarouselCard | None = None


class ContentMessage(Outbound):
    text: str | None = None
    rich_card: RichCard | None = None
    fallback: str | None = None
    suggestions: list[Suggestion] | None = None


class AgentMessage(Outbound):
    content_message: ContentMessage


# ---- Virtuoso registrations -----------------------------------------------------------


class TemplateRegistration(Outbound):
    name: str
    type: Literal["TEXT", "RICH_CARD", "CAROUSEL"]
    content: ContentMessage


class TemplateCreated(Inbound):
    name: str  # agents/{agentId}/templates/{templateId}
    template_id: str
    state: str


class AgentRegistration(Outbound):
    display_name: str
    handle: str


class AgentCreated(Inbound):
    name: str  # agents/{agentId}
    agent_id: str
    state: str
    secret: str = Field(repr=False)


# ---- answers --------------------------------------------------------------------------


class Capabilities(Inbound):
    features: list[str] = Field(default_factory=list)


class SentMessage(Inbound):
    name: str  # phones/{msisdn}/agentMessages/{messageId}
    send_time: str | None = None


class ErrorDetail(Inbound):
    code: int | None = None
    message: str = ""
    status: str | None = None  # google.rpc.Code name: INVALID_ARGUMENT, NOT_FOUND, ...


class ErrorBody(Inbound):
    error: ErrorDetail


# ---- webhook --------------------------------------------------------------------------


class PubSubMessage(Inbound):
    data: str  # base64 of the event JSON; X-Goog-Signature signs the decoded bytes
    message_id: str | None = None
    publish_time: str | None = None


class PushRequest(Inbound):
    message: PubSubMessage
    subscription: str | None = None


class WebhookVerification(Inbound):
    """The handshake RBM sends when a webhook is configured: answer `secret` as text."""

    client_token: str
    secret: str


class UserEvent(Inbound):
    sender_phone_number: str | None = None
    event_type: str
    event_id: str | None = None
    message_id: str
    send_time: str | None = None
    agent_id: str | None = None


class TemplateEvent(Inbound):
    agent_id: str
    template_id: str
    name: str
    state: str
    reason: str | None = None


class AgentEvent(Inbound):
    agent_id: str
    name: str | None = None
    state: str
    reason: str | None = None
