from cpaas.contracts.templating import (
    missing_positions,
    missing_variables,
    normalize_variables,
    placeholder_count,
    render,
)


def test_dlt_placeholders_fill_in_order() -> None:
    body = "Your OTP is {#var#}. Valid for {#var#} minutes."
    assert placeholder_count(body) == 2
    assert render(body, {"1": "482913", "2": "10"}) == "Your OTP is 482913. Valid for 10 minutes."


def test_numbered_placeholders_fill_by_number() -> None:
    body = "Hi {{1}}, order {{2}} ships today. Thanks {{1}}!"
    assert placeholder_count(body) == 2
    assert render(body, {"1": "Asha", "2": "A-1"}) == "Hi Asha, order A-1 ships today. Thanks Asha!"


def test_missing_variables_are_named_by_position() -> None:
    assert missing_variables("{#var#} and {#var#}", {"1": "x"}) == ["2"]
    assert missing_variables("no variables", {}) == []


def test_missing_positions_of_a_counted_template() -> None:
    assert missing_positions(3, {"1": "a", "3": "c", "4": "extra"}) == ["2"]
    assert missing_positions(0, {}) == []


def test_a_list_of_variables_is_numbered_from_one() -> None:
    assert normalize_variables(["a", "b"]) == {"1": "a", "2": "b"}
    assert normalize_variables({1: "a"}) == {"1": "a"}
    assert normalize_variables(None) == {}
