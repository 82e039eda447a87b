"""Voice providers, registered explicitly by their settings name."""

from collections.abc import Callable

import httpx

from cpaas.voice_connector.providers.base import (
    Acknowledgement,
    CallAccepted,
    CallProgress,
    OutboundCall,
    SendError,
    Speech,
    StatusMeaning,
    VoiceProvider,
    WebhookMalformed,
    WebhookRejected,
)
from cpaas.voice_connector.providers.programmable_voice import ProgrammableVoice
from cpaas.voice_connector.settings import VoiceConnectorSettings

PROVIDERS: dict[str, Callable[[VoiceConnectorSettings, httpx.AsyncClient], VoiceProvider]] = {
    ProgrammableVoice.name: ProgrammableVoice,
}


def make_provider(settings: VoiceConnectorSettings, http: httpx.AsyncClient) -> VoiceProvider:
    return PROVIDERS[settings.provider](settings, http)


__all__ = [
    "PROVIDERS",
    "Acknowledgement",
    "CallAccepted",
    "CallProgress",
    "OutboundCall",
    "SendError",
    "Speech",
    "StatusMeaning",
    "VoiceProvider",
    "WebhookMalformed",
    "WebhookRejected",
    "make_provider",
]
