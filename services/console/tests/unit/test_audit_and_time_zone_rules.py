"""The rules of the audit log's filter, an account's time zone, the WhatsApp categories
billing prices (UIC, MIC, SIC, Auth), and the Dashboard's "today" in the account's zone."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from cpaas.console.api.reports import in_zone, start_of_today
from cpaas.console.domain import accounts, templates
from cpaas.console.domain.audit import ACTIONS, Action, action_filter, time_range
from cpaas.console.domain.errors import InvalidField


@pytest.mark.parametrize("name", ["Asia/Kolkata", "Europe/London", "America/New_York", "UTC", " Asia/Tokyo "])
def test_an_iana_time_zone_is_accepted(name) -> None:
    assert accounts.time_zone(name) == name.strip()


@pytest.mark.parametrize("name", ["IST", "Asia/Mumbai", "../../etc/passwd", "Europe/London\x00", "x" * 100])
def test_anything_else_is_refused_naming_the_field(name) -> None:
    with pytest.raises(InvalidField) as refused:
        accounts.time_zone(name)
    assert refused.value.field == "timeZone"


def test_no_time_zone_is_the_default() -> None:
    assert accounts.time_zone(None) == accounts.time_zone("  ") == "Asia/Kolkata"


def test_today_starts_at_midnight_in_the_accounts_zone() -> None:
    late_utc = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)  # 01:30 on 2 March in Kolkata
    assert start_of_today(ZoneInfo("Asia/Kolkata"), late_utc) == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    assert start_of_today(ZoneInfo("UTC"), late_utc) == datetime(2026, 3, 1, tzinfo=UTC)
    assert start_of_today(ZoneInfo("America/New_York"), late_utc) == datetime(2026, 3, 1, 5, tzinfo=UTC)


def test_a_filter_time_without_an_offset_is_read_in_the_accounts_zone() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    assert in_zone(datetime(2026, 3, 2), kolkata) == datetime(2026, 3, 1, 18, 30, tzinfo=UTC)
    given = datetime(2026, 3, 2, tzinfo=UTC)
    assert in_zone(given, kolkata) is given and in_zone(None, kolkata) is None


def test_whatsapp_templates_take_every_category_billing_prices() -> None:
    for category in ("MARKETING", "UTILITY", "SERVICE", "AUTHENTICATION"):
        templates.whatsapp_category(category)
    with pytest.raises(InvalidField):
        templates.whatsapp_category("SIC")  # the SMS (DLT) name, not WhatsApp's


def test_the_audit_filter_takes_an_action_or_an_area() -> None:
    assert action_filter(" auth.login_failed ") == "auth.login_failed" and action_filter("auth") == "auth"
    assert action_filter("") is None and action_filter(None) is None
    for bad in ("auth'; --", "a" * 65, "auth login"):
        with pytest.raises(InvalidField):
            action_filter(bad)
    with pytest.raises(InvalidField):
        time_range(datetime(2026, 1, 2, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))


def test_every_action_name_has_the_shape_the_table_checks() -> None:
    import re

    assert Action.LOGIN_FAILED in ACTIONS and len(ACTIONS) == len(set(ACTIONS))
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", a) for a in ACTIONS)
