"""The records' own rules: which identity a template sends from, the IP allow-list."""

from cpaas.control_plane import ACTIVE, WabaNumber, channel_identity, parse_allowlist


def number(row_id: int, status: str) -> WabaNumber:
    return WabaNumber(row_id, 1, f"+91981234567{row_id}", "", "waba", f"pn{row_id}", "token", status)


def test_a_template_sends_from_the_identity_it_names_whatever_its_status() -> None:
    numbers = (number(1, ACTIVE), number(2, "INACTIVE"))
    assert channel_identity(numbers, 2) == numbers[1]
    assert channel_identity(numbers, 3) is None


def test_without_one_named_the_first_active_identity_is_used() -> None:
    assert channel_identity((number(1, "INACTIVE"), number(2, ACTIVE), number(3, ACTIVE)), None).id == 2
    assert channel_identity((number(1, "INACTIVE"),), None) is None
    assert channel_identity((), None) is None


def test_an_empty_or_star_allow_list_admits_everyone() -> None:
    assert parse_allowlist([]) == () and parse_allowlist(["10.0.0.0/8", "*"]) == ()
    assert [str(n) for n in parse_allowlist(["10.1.2.3/16", " ", "2001:db8::/32"])] == ["10.1.0.0/16", "2001:db8::/32"]


def test_an_accounts_zone_is_its_iana_name_or_the_default_when_unknown() -> None:
    from datetime import datetime, timedelta

    from cpaas.control_plane import Account

    berlin = Account(1, "a", "ACTIVE", (), None, None, time_zone="Europe/Berlin")
    assert berlin.zone.key == "Europe/Berlin"
    assert Account(2, "b", "ACTIVE", (), None, None).zone.key == "Asia/Kolkata"
    stale = Account(3, "c", "ACTIVE", (), None, None, time_zone="Mars/Olympus_Mons")
    assert stale.zone.key == "Asia/Kolkata"
    assert stale.zone.utcoffset(datetime(2026, 6, 1)) == timedelta(hours=5, minutes=30)
