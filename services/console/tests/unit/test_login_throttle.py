"""The login throttle's arithmetic and the client address it counts by."""

from starlette.requests import Request

from cpaas.console.api.deps import client_address
from cpaas.console.domain.login_throttle import Backoff, address_counted, login_keys


def request(peer: str, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    return Request({"type": "http", "client": (peer, 1234), "headers": headers})


def test_backoff_lets_the_free_failures_through_then_doubles_up_to_the_cap():
    backoff = Backoff(free=3, base_seconds=1.0, max_seconds=10.0)
    assert [backoff.wait_seconds(n) for n in range(1, 9)] == [0, 0, 1, 2, 4, 8, 10, 10]
    assert backoff.wait_seconds(10_000) == 10.0


def test_ipv6_addresses_are_counted_by_their_64_prefix():
    assert address_counted("2001:db8:1:2:aaaa::1") == address_counted("2001:db8:1:2:bbbb::9") == "2001:db8:1:2::/64"
    assert address_counted("::ffff:203.0.113.7") == "203.0.113.7"
    assert login_keys("203.0.113.7", "demo").pair == "p\x1f203.0.113.7\x1fdemo"


def test_forwarded_for_is_ignored_without_trusted_proxies():
    assert client_address(request("10.0.0.2", "1.1.1.1"), 0) == "10.0.0.2"


def test_the_client_is_taken_rightmost_first_past_the_trusted_proxies():
    assert client_address(request("10.0.0.2", "6.6.6.6, 203.0.113.7"), 1) == "203.0.113.7"
    assert client_address(request("10.0.0.3", "6.6.6.6, 203.0.113.7", "10.0.0.2"), 2) == "203.0.113.7"
    assert client_address(request("10.0.0.2", "203.0.113.7:4711"), 1) == "203.0.113.7"
    assert client_address(request("10.0.0.2", "[2001:db8::1]:443"), 1) == "2001:db8::1"


def test_a_header_shorter_than_the_proxy_chain_is_ignored():
    assert client_address(request("10.0.0.2", "203.0.113.7"), 2) == "10.0.0.2"
    assert client_address(request("10.0.0.2"), 1) == "10.0.0.2"
