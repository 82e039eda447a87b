"""The SMS providers, registered explicitly by name (settings `provider`)."""

from collections.abc import Callable

import httpx

from cpaas.sms_connector.providers.base import SmsProvider
from cpaas.sms_connector.providers.smpp import SmppProvider
from cpaas.sms_connector.settings import SmsConnectorSettings

# (settings, the HTTP client an HTTP provider calls through) -> the provider
ProviderFactory = Callable[[SmsConnectorSettings, httpx.AsyncClient | None], SmsProvider]

PROVIDERS: dict[str, ProviderFactory] = {SmppProvider.name: lambda settings, _http: SmppProvider(settings)}


def make_provider(settings: SmsConnectorSettings, http: httpx.AsyncClient | None = None) -> SmsProvider:
    try:
        factory = PROVIDERS[settings.provider]
    except KeyError:
        raise ValueError(f"unknown SMS provider {settings.provider!r}; known: {sorted(PROVIDERS)}") from None
    return factory(settings, http)
