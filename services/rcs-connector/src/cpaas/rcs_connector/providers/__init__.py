"""RCS providers, registered explicitly by name; shared code sees only `RcsProvider`."""

from collections.abc import Callable

import httpx

from cpaas.rcs_connector.providers.base import RcsProvider
from cpaas.rcs_connector.providers.rbm import RbmProvider
from cpaas.rcs_connector.settings import RcsConnectorSettings

PROVIDERS: dict[str, Callable[[httpx.AsyncClient, RcsConnectorSettings], RcsProvider]] = {
    "rbm": lambda http, settings: RbmProvider(
        http, client_token=settings.webhook_client_token, partner_token=settings.partner_token
    ),
}


def make_provider(http: httpx.AsyncClient, settings: RcsConnectorSettings) -> RcsProvider:
    return PROVIDERS[settings.provider](http, settings)
