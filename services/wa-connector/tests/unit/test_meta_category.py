"""The category a template is registered with Meta under: the console's SERVICE (priced SIC)
is a UTILITY template to Meta, which has no SERVICE category."""

import pytest

from cpaas.wa_connector.providers.cloud_api.provider import meta_category


@pytest.mark.parametrize(
    ("console", "meta"),
    [
        ("MARKETING", "MARKETING"),
        ("utility", "UTILITY"),
        ("AUTHENTICATION", "AUTHENTICATION"),
        ("SERVICE", "UTILITY"),
        (None, "UTILITY"),
    ],
)
def test_a_console_category_is_registered_under_a_meta_category(console, meta) -> None:
    assert meta_category(console) == meta
