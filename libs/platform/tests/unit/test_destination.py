"""The SSRF rule: which addresses and URLs are refused, in every spelling of an address."""

import ipaddress
from dataclasses import dataclass

import pytest

from cpaas.platform.destination import (
    DestinationError,
    DestinationRefused,
    address_category,
    check_webhook_url,
    legacy_ipv4,
    parse_webhook_url,
)


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
        ("192.0.2.10", "reserved"),  # documentation
        ("2001:db8::1", "reserved"),  # documentation
        ("::127.0.0.1", "reserved"),  # IPv4-compatible (deprecated)
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:10.1.2.3", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
        ("93.184.216.34", None),
        ("172.32.0.1", None),
        ("100.128.0.1", None),
        ("2606:4700::1111", None),
    ],
)
def test_address_categories(address, category):
    assert address_category(ipaddress.ip_address(address)) == category


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("0x7f.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0xA9.0xFE.0xA9.0xFE", "169.254.169.254"),
        ("10.1", "10.0.0.1"),
        ("127.0.0.1.", "127.0.0.1"),
        ("0", "0.0.0.0"),
        ("example.com", None),
        ("1.2.3.4.5", None),
        ("256.1.1.1", None),
        ("08.1.1.1", None),  # not octal, not decimal
        ("4294967296", None),
    ],
)
def test_every_ipv4_spelling_is_read_as_the_address_it_denotes(host, address):
    parsed = legacy_ipv4(host)
    assert (str(parsed) if parsed else None) == address


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://example.com/hook", "must start with http:// or https://"),
        ("javascript:alert(1)", "must start with http:// or https://"),
        ("http:///hook", "no host"),
        ("https://user:pw@example.com/hook", "credentials in the URL are not supported"),
        ("https://user@example.com/hook", "credentials in the URL are not supported"),
        ("https://@example.com/hook", "credentials in the URL are not supported"),
        ("http://evil.example\\@127.0.0.1/", "credentials in the URL are not supported"),
        ("", "1 to 2048 characters"),
        ("https://example.com/" + "a" * 2100, "1 to 2048 characters"),
        ("https://example.com:0/", "port must be 1 to 65535"),
        ("https://example.com:70000/", "port must be 1 to 65535"),
        ("http://exa%2fmple.com/", "not a valid host name"),
        ("http://10.0.0.5/hook", "10.0.0.5 is a private address, which is not allowed"),
        ("http://169.254.169.254/latest/meta-data", "link-local address"),
        ("http://[::ffff:192.168.0.1]/hook", "private address"),
        ("http://[::ffff:127.0.0.1]:8082/", "loopback address"),
        ("http://127.0.0.1:8080/hook", "127.0.0.1 is a loopback address, which is not allowed"),
        ("http://0x7f.1:8082/", "0x7f.1 is 127.0.0.1, a loopback address, which is not allowed"),
        ("http://2130706433/", "2130706433 is 127.0.0.1, a loopback address"),
        ("http://0177.0.0.1/", "0177.0.0.1 is 127.0.0.1, a loopback address"),
        ("http://127.1/", "127.1 is 127.0.0.1, a loopback address"),
        ("http://0xa9fea9fe/latest/meta-data", "is 169.254.169.254, a link-local address"),
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
    assert await check_webhook_url("http://0x7f.1:9/hook", Policy(allow_loopback=True)) is None
    assert await check_webhook_url("http://localhost:9/hook", Policy(allow_loopback=True)) is None
    assert await check_webhook_url("http://10.0.0.5/hook", Policy(allow_loopback=True)) is not None
    assert await check_webhook_url("http://10.0.0.5/hook", Policy(allow_private=True)) is None
    assert await check_webhook_url("http://169.254.169.254/", Policy(allow_private=True)) is None
    assert await check_webhook_url("http://224.0.0.1/", Policy(True, True)) is not None  # never a receiver
    assert await check_webhook_url("https://93.184.216.34/hook", Policy()) is None
    assert await check_webhook_url("https://1572395042/hook", Policy()) is None  # 93.184.216.34 in decimal


def test_an_ip_literal_is_refused_while_parsing_and_a_name_only_after_resolving():
    with pytest.raises(DestinationRefused):
        parse_webhook_url("http://0x7f.1:8082/", Policy())
    assert str(parse_webhook_url("http://0x7f.1:8082/", Policy(allow_loopback=True)).address) == "127.0.0.1"
    assert parse_webhook_url("http://localhost:8082/", Policy()).address is None
    with pytest.raises(DestinationError):
        parse_webhook_url("http://exa mple.com/", Policy())
