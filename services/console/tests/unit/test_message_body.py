from cpaas.console.domain.message_body import MASK, attempt_variables, rendered_body


def test_body_is_the_template_with_the_attempts_variables() -> None:
    assert (
        rendered_body("Hi {{1}}, order {{2}} ships", "UTILITY", {"1": "Asha", "2": "A-7"}) == "Hi Asha, order A-7 ships"
    )


def test_dlt_placeholders_fill_in_order() -> None:
    assert rendered_body("Code {#var#} valid {#var#} min", "SIC", {"1": "X", "2": "10"}) == "Code X valid 10 min"


def test_authentication_variables_are_masked() -> None:
    assert rendered_body("Your OTP is {#var#}", "Auth", {"1": "482913"}) == f"Your OTP is {MASK}"
    assert "482913" not in rendered_body("{{1}} is your code", "AUTHENTICATION", {"1": "482913"})


def test_variables_as_stored() -> None:
    assert attempt_variables('{"1": "a"}') == {"1": "a"}
    assert attempt_variables(None) == {}
