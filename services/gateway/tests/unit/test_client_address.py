"""Which address is the client's, under 0, 1 or 2 trusted proxies."""

import pytest

from cpaas.gateway.api.client_address import client_ip, shown, throttle_key


def scope(peer: str | None, *forwarded: str) -> dict:
    return {
        "client": (peer, 40000) if peer else None,
        "headers": [(b"host", b"gateway")] + [(b"x-forwarded-for", value.encode()) for value in forwarded],
    }


@pytest.mark.parametrize(
    ("trusted", "forwarded", "client"),
    [
        (0, ["10.1.2.3"], "192.0.2.10"),  # no proxy: the header is the client's own text
        (1, [], "192.0.2.10"),
        (1, ["10.1.2.3, 198.51.100.9"], "198.51.100.9"),  # the leftmost is whatever the client sent
        (1, ["10.1.2.3", "198.51.100.9"], "198.51.100.9"),  # two header lines are one list, in order
        (2, ["10.9.9.9, 10.1.2.3, 198.51.100.77"], "10.1.2.3"),
        (2, ["10.1.2.3"], "192.0.2.10"),  # fewer entries than proxies: not believed
        (1, ["10.1.2.3, , 198.51.100.9,"], "198.51.100.9"),  # empty entries do not count
        (1, ["198.51.100.9:4711"], "198.51.100.9"),
        (1, ["[2001:db8::1]:443"], "2001:db8::1"),
        (1, ["2001:db8::1"], "2001:db8::1"),
        (1, ["unknown"], "unknown"),  # not an address: an allow-list refuses it
    ],
)
def test_the_client_is_the_nth_forwarded_address_from_the_right(trusted: int, forwarded: list, client: str) -> None:
    assert client_ip(scope("192.0.2.10", *forwarded), trusted) == client


def test_no_peer_and_no_header_is_no_address() -> None:
    assert client_ip(scope(None), 0) is None
    assert client_ip(scope(None), 1) is None


def test_ipv6_clients_are_throttled_by_their_64_and_mapped_ipv4_as_ipv4() -> None:
    assert throttle_key("2001:db8:1:2:aaaa::1") == throttle_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    assert throttle_key("::ffff:198.51.100.9") == throttle_key("198.51.100.9") == "198.51.100.9"
    assert throttle_key(None) == "-"
    assert throttle_key("junk") == "junk"


def test_a_long_garbage_address_is_cut_in_messages() -> None:
    assert len(shown("x" * 5000)) < 80
    assert shown(None) == "an unknown address"
