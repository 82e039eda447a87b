"""The console's change-notification payload: one format, one parser."""

import pytest

from cpaas.contracts.control_plane import TABLES, ConsoleChange, format_change, parse_change


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_declared_table_round_trips(table: str) -> None:
    assert parse_change(format_change(table, 42)) == ConsoleChange(table, 42)


@pytest.mark.parametrize(
    "payload",
    ["", "templates", "templates:", ":42", "templates:abc", "templates:0", "templates:-1", "Templates:1", "a:1:2"],
)
def test_a_payload_out_of_the_format_parses_to_none(payload: str) -> None:
    assert parse_change(payload) is None


def test_an_account_id_past_bigint_does_not_parse() -> None:
    assert parse_change("accounts:" + "9" * 19) is None
    assert parse_change(f"accounts:{2**63 - 1}") == ConsoleChange("accounts", 2**63 - 1)
