"""Bot registration against the sandbox RBM platform: PENDING, then approved, then
its secret sends."""

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from cpaas.rcs_connector.bots import register_bot
from cpaas.rcs_connector.domain.rendering import render_message
from cpaas.rcs_connector.providers.base import Bot, SendError
from cpaas.rcs_connector.providers.rbm import RbmProvider
from cpaas.sandbox.rbm import RbmSandboxSettings, build_rbm_app

PARTNER_TOKEN = "local-dev-rbm-partner-token"


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[RbmProvider, list[httpx.Request]]]:
    events: list[httpx.Request] = []
    settings = RbmSandboxSettings(review_delay_seconds=0.05, event_delay_seconds=0.05)
    app = build_rbm_app(
        settings, webhook_transport=httpx.MockTransport(lambda r: events.append(r) or httpx.Response(200))
    )
    async with app.router.lifespan_context(app):
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://rbm.test")
        async with http:
            yield RbmProvider(http, client_token="local-dev-rbm-webhook-token", partner_token=PARTNER_TOKEN), events


async def test_registered_bot_is_pending_then_its_secret_sends_once_approved(
    sandbox: tuple[RbmProvider, list[httpx.Request]],
) -> None:
    provider, events = sandbox
    registration = await register_bot(provider, "Acme Retail", "acme-retail")
    assert registration.state == "PENDING"
    assert registration.bot_id.startswith("acme_retail_")
    assert registration.api_key not in repr(registration)
    async with asyncio.timeout(3):
        while not events:
            await asyncio.sleep(0.01)
    bot = Bot(id=9, account_id=1, bot_id=registration.bot_id, api_key=registration.api_key, status="ACTIVE")
    with pytest.raises(SendError):  # verified, not launched yet (the console's activation launches it)
        await provider.send(bot, "+919876543210", "m-0", render_message("TEXT", "hello", {}, {}))
    launch = await provider.http.post(
        f"/v1/brands/-/agents/{registration.bot_id}:requestLaunch", headers={"Authorization": f"Bearer {PARTNER_TOKEN}"}
    )
    assert launch.status_code == 200
    accepted = await provider.send(bot, "+919876543210", "m-1", render_message("TEXT", "hello", {}, {}))
    assert accepted.provider_message_id == "m-1"


async def test_a_taken_handle_is_refused_for_good(sandbox: tuple[RbmProvider, list[httpx.Request]]) -> None:
    provider, _ = sandbox
    await register_bot(provider, "Acme", "acme-one")
    with pytest.raises(SendError) as raised:
        await register_bot(provider, "Acme again", "acme-one")
    assert (raised.value.retryable, raised.value.carrier_error_code) == (False, "ALREADY_EXISTS")


async def test_an_invalid_handle_is_refused_before_calling_the_provider(
    sandbox: tuple[RbmProvider, list[httpx.Request]],
) -> None:
    provider, _ = sandbox
    with pytest.raises(SendError, match="handle"):
        await register_bot(provider, "Acme", "Acme Retail!")


async def test_a_wrong_partner_token_is_refused(sandbox: tuple[RbmProvider, list[httpx.Request]]) -> None:
    provider, _ = sandbox
    impostor = RbmProvider(provider.http, client_token="x", partner_token="not-ours")
    with pytest.raises(SendError) as raised:
        await register_bot(impostor, "Acme", "acme-two")
    assert raised.value.carrier_error_code == "UNAUTHENTICATED"
