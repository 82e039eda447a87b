"""The late part a subscriber reaches: there only while the lifespan holds it."""

import pytest

from cpaas.platform.started import NotStarted, Started, started


def test_a_part_is_there_only_inside_its_lifespan() -> None:
    slot: Started[str] = Started("router")
    with pytest.raises(NotStarted, match="router has not started"):
        slot()
    with started(slot, "running") as value:
        assert value == "running" and slot() == "running"
    with pytest.raises(NotStarted):
        slot()


def test_a_failed_start_leaves_nothing_behind() -> None:
    slot: Started[str] = Started("reporting")
    with pytest.raises(RuntimeError), started(slot, "half"):
        raise RuntimeError("the broker did not start")
    with pytest.raises(NotStarted):
        slot()
