"""The WhatsApp Cloud API provider."""

from cpaas.wa_connector.providers.cloud_api.provider import CloudApiProvider

__all__ = ["CloudApiProvider"]
