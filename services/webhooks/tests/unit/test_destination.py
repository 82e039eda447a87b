"""The SSRF guard: which addresses and URLs are refused, and where a POST really goes."""

import ipaddress
from dataclasses import dataclass

import pytest

from cpaas.webhooks.destination import (
    DestinationError,
    DestinationGuard,
    DestinationRefused,
    DestinationUnresolved,
    address_category,
    check_webhook_url,
)
from cpaas.webhooks.settings import WebhooksSettings


@dataclass
class Policy:
    allow_loopback: bool = False
    allow_private: bool = False


@pytest.mark.parametrize(
    ("address", "category"),
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("10.0.0.5", "private"),
        ("172.16.0.1", "private"),
        ("172.31.255.254", "private"),
        ("192.168.1.1", "private"),
        ("fc00::1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("100.64.0.1", "cgnat"),
        ("100.127.255.254", "cgnat"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("93.184.216.34", None),
        ("172.32.0.1", None),
        ("100.128.0.1", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_categories(address, category):
    assert address_category(ipaddress.ip_address(address)) == category


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/hook", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("http:///hook", "no host"),
        ("https://user:pw@example.com/hook", "credentials in the URL are not supported"),
        ("", "1 to 2048 characters"),
        ("https://example.com/" + "a" * 2100, "1 to 2048 characters"),
        ("http://10.0.0.5/hook", "10.0.0.5 is a private address, which is not allowed"),
        ("http://169.254.169.254/latest/meta-data", "link-local address"),
        ("http://[::ffff:192.168.0.1]/hook", "private address"),
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address, which is not allowed"),
        ("http://localhost:8080/hook", "localhost resolves to"),
        ("http://0.0.0.0/hook", "unspecified address"),
        ("http://100.100.1.1/hook", "cgnat address"),
        ("http://no-such-host.invalid/hook", "does not resolve"),
    ],
)
async def test_check_webhook_url_refuses_with_a_clear_message(url, message):
    refusal = await check_webhook_url(url, Policy())
    assert refusal is not None and message in refusal


async def test_operator_settings_open_loopback_and_private():
    assert await check_webhook_url("http://127.0.0.1:9/hook", Policy(allow_loopback=True)) is None
    assert await check_webhook_url("http://localhost:9/hook", Policy(allow_loopback=True)) is None
    assert await check_webhook_url("http://10.0.0.5/hook", Policy(allow_loopback=True)) is not None
    assert await check_webhook_url("http://10.0.0.5/hook", Policy(allow_private=True)) is None
    assert await check_webhook_url("http://169.254.169.254/", Policy(allow_private=True)) is None
    assert await check_webhook_url("http://224.0.0.1/", Policy(True, True)) is not None  # never a receiver
    assert await check_webhook_url("https://93.184.216.34/hook", Policy()) is None


async def test_settings_allow_loopback_only_in_the_local_environment():
    assert WebhooksSettings().allow_loopback is True
    production = WebhooksSettings(environment="production", service_token="s")
    assert production.allow_loopback is False and production.allow_private is False
    assert await check_webhook_url("http://127.0.0.1/hook", production) is not None
    assert await check_webhook_url("http://127.0.0.1/hook", WebhooksSettings()) is None


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


async def test_guard_raises_the_kind_of_refusal_every_time():
    guard = DestinationGuard(Policy(), cache_seconds=30)
    for _ in range(2):  # the second answer comes from the cache
        with pytest.raises(DestinationRefused):
            await guard.resolve("http://10.0.0.5/hook")
        with pytest.raises(DestinationUnresolved):
            await guard.resolve("http://no-such-host.invalid/hook")
        with pytest.raises(DestinationError):
            await guard.resolve("gopher://example.com/")
