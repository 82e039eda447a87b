"""From a submit event and its voice template to what the callee hears."""

from pydantic import ValidationError

from cpaas.contracts import Channel, ErrorCode, MessageSubmittedV1
from cpaas.contracts.template_content import VoiceContent
from cpaas.contracts.templating import render
from cpaas.control_plane import APPROVED, Template
from cpaas.voice_connector.providers.base import Speech


class NotSendable(Exception):
    """The message can never be spoken as submitted; its attempt fails with `code`."""

    def __init__(self, code: ErrorCode, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def speech_for(event: MessageSubmittedV1, template: Template | None) -> Speech:
    """The rendered speech; raises NotSendable."""
    if template is None or template.account_id != event.account_id:
        raise NotSendable(ErrorCode.TEMPLATE_NOT_FOUND, f"template {event.template_id} not found for this account")
    if template.channel != Channel.VOICE:
        raise NotSendable(
            ErrorCode.TEMPLATE_CHANNEL_MISMATCH, f"template {template.id} is a {template.channel} template"
        )
    if template.status != APPROVED:
        raise NotSendable(ErrorCode.TEMPLATE_NOT_APPROVED, f"template {template.id} is {template.status}")
    try:
        content = VoiceContent.model_validate(dict(template.content or {}))
    except ValidationError as exc:
        raise NotSendable(ErrorCode.RENDER_FAILED, f"template {template.id} has invalid voice settings") from exc
    text = " ".join(render(template.body, event.variables).split())
    if not text:
        raise NotSendable(ErrorCode.RENDER_FAILED, f"template {template.id} renders to nothing to say")
    return Speech(text=text, voice=content.voice, language=content.language, repeat=content.repeat)
