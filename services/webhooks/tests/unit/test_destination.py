"""The dispatcher's side of the SSRF rule (the rule itself: libs/platform's test_destination):
the production settings refuse every spelling of loopback, and a POST goes where it was checked."""

from dataclasses import dataclass

import pytest

from cpaas.platform.destination import (
    DestinationError,
    DestinationRefused,
    DestinationUnresolved,
    check_webhook_url,
)
from cpaas.webhooks.destination import DestinationGuard
from cpaas.webhooks.settings import WebhooksSettings


@dataclass
class Policy:
    allow_loopback: bool = False
    allow_private: bool = False


async def test_settings_allow_loopback_only_in_the_local_environment():
    assert WebhooksSettings().allow_loopback is True
    production = WebhooksSettings(environment="production", service_token="s", secrets_key="a-production-key")
    assert production.allow_loopback is False and production.allow_private is False
    assert await check_webhook_url("http://127.0.0.1/hook", production) is not None
    assert await check_webhook_url("http://127.0.0.1/hook", WebhooksSettings()) is None


@pytest.mark.parametrize(
    "url",
    [
        "http://0x7f.1:8082/",
        "http://2130706433:8082/",
        "http://0177.0.0.1:8082/",
        "http://127.1:8082/",
        "http://[::ffff:127.0.0.1]:8082/",
        "http://[::ffff:7f00:1]:8082/",
        "http://localhost:8082/",
    ],
)
async def test_guard_with_loopback_not_allowed_refuses_every_spelling_of_loopback(url):
    guard = DestinationGuard(WebhooksSettings(allow_loopback=False), cache_seconds=0)
    with pytest.raises(DestinationRefused, match="loopback"):
        await guard.resolve(url)


async def test_guard_pins_the_checked_address_and_keeps_the_host_for_host_header_and_sni():
    guard = DestinationGuard(Policy(allow_loopback=True), cache_seconds=30)
    target = await guard.resolve("https://localhost:8443/hooks/dlr?x=1")
    assert target.address.is_loopback
    assert target.url.host == str(target.address) and target.url.port == 8443
    assert target.url.raw_path == b"/hooks/dlr?x=1"
    assert (target.host_header, target.sni_hostname) == ("localhost:8443", "localhost")
    plain = await guard.resolve("http://127.0.0.1/x")
    assert (plain.host_header, plain.sni_hostname) == ("127.0.0.1", None)
    v6 = await guard.resolve("http://[::1]:9000/x")
    assert v6.host_header == "[::1]:9000" and str(v6.url) == "http://[::1]:9000/x"
    short = await guard.resolve("http://0x7f.1:9000/x")
    assert str(short.url) == "http://127.0.0.1:9000/x" and short.host_header == "0x7f.1:9000"


async def test_guard_raises_the_kind_of_refusal_every_time():
    guard = DestinationGuard(Policy(), cache_seconds=30)
    for _ in range(2):  # the second answer comes from the cache
        with pytest.raises(DestinationRefused):
            await guard.resolve("http://10.0.0.5/hook")
        with pytest.raises(DestinationUnresolved):
            await guard.resolve("http://no-such-host.invalid/hook")
        with pytest.raises(DestinationError):
            await guard.resolve("gopher://example.com/")
