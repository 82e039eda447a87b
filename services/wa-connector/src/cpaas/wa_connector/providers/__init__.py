"""The WhatsApp providers, registered explicitly by name (settings `provider`)."""

from collections.abc import Callable

import httpx

from cpaas.wa_connector.providers.base import WhatsAppProvider
from cpaas.wa_connector.providers.cloud_api import CloudApiProvider
from cpaas.wa_connector.settings import WaConnectorSettings

ProviderFactory = Callable[[WaConnectorSettings, httpx.AsyncClient], WhatsAppProvider]


def _cloud_api(settings: WaConnectorSettings, http: httpx.AsyncClient) -> WhatsAppProvider:
    return CloudApiProvider(
        http,
        base_url=settings.base_url,
        api_version=settings.api_version,
        app_secret=settings.app_secret,
        verify_token=settings.verify_token,
    )


PROVIDERS: dict[str, ProviderFactory] = {CloudApiProvider.name: _cloud_api}


def make_provider(settings: WaConnectorSettings, http: httpx.AsyncClient) -> WhatsAppProvider:
    try:
        factory = PROVIDERS[settings.provider]
    except KeyError:
        raise ValueError(f"unknown WhatsApp provider {settings.provider!r}; known: {sorted(PROVIDERS)}") from None
    return factory(settings, http)
