"""The README's verification snippet, loaded from the README itself, so the tests check
receipts exactly as a customer following the documentation would."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"


def load_readme_verifier() -> Callable[..., bool]:
    section = README.read_text().split("## Verifying a receipt", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert snippet, "the README's 'Verifying a receipt' section has no Python snippet"
    namespace: dict = {}
    exec(compile(snippet.group(1), str(README), "exec"), namespace)  # noqa: S102 - our own README
    return namespace["verify_webhook"]


def load_readme_receiver() -> Callable[..., int]:
    """The README's receiver (verify, then drop repeats by eventId), with its verifier."""
    section = README.read_text().split("## Receiving a receipt", 1)[1]
    snippet = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert snippet, "the README's 'Receiving a receipt' section has no Python snippet"
    namespace: dict = {"verify_webhook": load_readme_verifier()}
    exec(compile(snippet.group(1), str(README), "exec"), namespace)  # noqa: S102 - our own README
    return namespace["receive_receipt"]


@pytest.fixture(scope="session")
def receive_receipt() -> Callable[..., int]:
    return load_readme_receiver()


@pytest.fixture(scope="session")
def verify_webhook() -> Callable[..., bool]:
    return load_readme_verifier()
