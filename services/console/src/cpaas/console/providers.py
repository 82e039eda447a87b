"""The console's calls to the channel providers when an account's channel is set up, as a
provider's own onboarding has them:

- a WhatsApp number linked by an admin is registered with the Cloud API
  (`POST /{version}/{phone_number_id}/register`, Meta's call, with the number's own access
  token); the provider refuses sends from a number it does not know;
- "Request RCS bot" creates the agent on the RBM platform (`POST /v1/brands/-/agents` with
  the partner token), which answers the agent id and its secret; the admin's activation is
  the agent's launch (`POST /v1/brands/-/agents/{agent_id}:requestLaunch`).

A provider's refusal is `422 CHANNEL_NOT_CONFIGURED` with the provider's own words and the
field at fault; a provider that cannot be reached, or answers 5xx, is 503
SERVICE_UNAVAILABLE (nothing is stored then). Secrets travel only in the Authorization header.
"""

import asyncio
import logging
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import httpx
from fastapi import Depends, Request

from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 10.0
MAX_REASON_CHARS = 300
BRAND = "-"  # the partner's own brand
REGISTRATION_PIN = "000000"  # the two-step verification PIN set on registration
REGISTRATION_TRIES = 12  # at start: 1 s doubling to 5 min between tries, about half an hour in all
REGISTRATION_RETRY_FIRST_SECONDS = 1.0
REGISTRATION_RETRY_MAX_SECONDS = 300.0


@dataclass(frozen=True)
class Agent:
    agent_id: str
    secret: str
    state: str


class ChannelProviders:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        whatsapp_url: str,
        whatsapp_version: str,
        rbm_url: str,
        rbm_partner_token: str,
    ) -> None:
        self.http = http
        self.whatsapp_url, self.whatsapp_version = whatsapp_url.rstrip("/"), whatsapp_version
        self.rbm_url, self._partner_token = rbm_url.rstrip("/"), rbm_partner_token

    async def register_whatsapp_number(self, phone_number_id: str, access_token: str) -> None:
        """Meta's registration of a business phone number for the Cloud API."""
        url = f"{self.whatsapp_url}/{self.whatsapp_version}/{quote(phone_number_id, safe='')}/register"
        body = {"messaging_product": "whatsapp", "pin": REGISTRATION_PIN}
        await self._call("the WhatsApp Cloud API", url, access_token, body, field="phoneNumberId")

    async def create_rbm_agent(self, display_name: str, handle: str) -> Agent:
        url = f"{self.rbm_url}/v1/brands/{BRAND}/agents"
        answer = await self._call(
            "the RBM platform", url, self._partner_token, {"displayName": display_name, "handle": handle}, "handle"
        )
        try:
            return Agent(str(answer["agentId"]), str(answer["secret"]), str(answer.get("state", "PENDING")))
        except (KeyError, TypeError):
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, "the RBM platform answered without an agent") from None

    async def launch_rbm_agent(self, agent_id: str) -> None:
        url = f"{self.rbm_url}/v1/brands/{BRAND}/agents/{quote(agent_id, safe='')}:requestLaunch"
        await self._call("the RBM platform", url, self._partner_token, {}, field="id")

    async def _call(self, provider: str, url: str, token: str, body: dict, field: str) -> Any:
        try:
            response = await self.http.post(
                url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_SECONDS
            )
        except httpx.HTTPError as exc:
            log.warning("channel provider unreachable", extra={"provider": provider, "error": type(exc).__name__})
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, f"{provider} is unavailable; try again shortly") from None
        if response.status_code >= 500:
            raise ApiError(ErrorCode.SERVICE_UNAVAILABLE, f"{provider} is unavailable; try again shortly")
        if response.status_code >= 400:
            raise ApiError(
                ErrorCode.CHANNEL_NOT_CONFIGURED,
                f"{provider} refused: {_reason(response)}"[:MAX_REASON_CHARS],
                field=field,
                status=422,
            )
        try:
            return response.json()
        except ValueError:
            return {}


def _reason(response: httpx.Response) -> str:
    """The provider's own words: Graph's error.message (+ details), Google's error.message."""
    try:
        error = response.json().get("error", {})
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"
    message = str(error.get("message") or f"HTTP {response.status_code}")
    details = (error.get("error_data") or {}).get("details") if isinstance(error.get("error_data"), dict) else None
    code = error.get("code")
    return f"{message}{f' ({details})' if details else ''}{f' [code {code}]' if code else ''}"


def _providers(request: Request) -> ChannelProviders:
    return request.app.state.providers


Providers = Annotated[ChannelProviders, Depends(_providers)]


async def register_numbers(store, providers: ChannelProviders, *, every_active: bool) -> list[int]:
    """Register with the Cloud API the ACTIVE numbers not registered yet (a number the seed
    wrote), or, `every_active`, all of them (the local sandbox forgets its registrations when
    it stops; Meta keeps them, and limits how often a number may register). A number the
    provider refuses or cannot take now is logged; returns the ids of those."""
    failed = []
    for number in await store.channels.active_waba_numbers():
        if number["registered_at"] is not None and not every_active:
            continue
        try:
            await providers.register_whatsapp_number(number["phone_number_id"], number["api_key"])
        except ApiError as exc:
            failed.append(number["id"])
            log.warning(
                "a WhatsApp number could not be registered with the provider",
                extra={"phone_number_id": number["phone_number_id"], "reason": exc.message},
            )
            continue
        await store.channels.mark_registered(number["id"])
    return failed


async def keep_registering(store, providers: ChannelProviders, *, every_active: bool) -> None:
    """At the console's start: `register_numbers` once, then again with backoff while some
    could not be registered (the provider not up yet, as in a compose start), for up to
    about half an hour. Run as a task; a failure here never stops the console."""
    delay = REGISTRATION_RETRY_FIRST_SECONDS
    for _ in range(REGISTRATION_TRIES):
        try:
            if not await register_numbers(store, providers, every_active=every_active):
                return
        except Exception:
            log.exception("registering WhatsApp numbers at start failed; trying again")
        await asyncio.sleep(delay)
        delay = min(delay * 2, REGISTRATION_RETRY_MAX_SECONDS)


def channel_providers(settings, http: httpx.AsyncClient) -> ChannelProviders:
    """The providers at the console's settings (`whatsapp_api_url`, `rbm_api_url`, ...)."""
    return ChannelProviders(
        http,
        whatsapp_url=settings.whatsapp_api_url,
        whatsapp_version=settings.whatsapp_api_version,
        rbm_url=settings.rbm_api_url,
        rbm_partner_token=settings.rbm_partner_token,
    )
