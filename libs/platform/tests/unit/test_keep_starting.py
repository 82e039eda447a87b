"""keep_starting: the lifespan that serves at once and starts its service in the background,
retrying while the start fails, and stops cleanly whether or not the start succeeded."""

import asyncio
import gc
from contextlib import asynccontextmanager

from fastapi import FastAPI

from cpaas.platform.ops import HealthState
from cpaas.platform.serve import GC_THRESHOLDS, keep_starting, startup_backoff


def test_backoff_doubles_and_is_capped() -> None:
    assert [startup_backoff(n) for n in (1, 2, 3)] == [0.5, 1.0, 2.0]
    assert startup_backoff(50) == 15.0


async def test_a_failing_start_is_retried_until_it_succeeds_then_stops_in_order() -> None:
    health, events = HealthState(), []

    @asynccontextmanager
    async def inner(_app):
        events.append("start")
        if events.count("start") < 3:
            raise ConnectionRefusedError("postgres is not there yet")
        health.started = True
        yield
        events.append("stop")

    lifespan = keep_starting(inner, health, backoff=lambda _n: 0.01)
    async with lifespan(FastAPI()):
        async with asyncio.timeout(5):
            while not health.started:
                await asyncio.sleep(0.01)
        assert events == ["start"] * 3
    assert events[-1] == "stop"


async def test_shutdown_while_still_starting_cancels_the_start() -> None:
    health, entered = HealthState(), asyncio.Event()

    @asynccontextmanager
    async def inner(_app):
        entered.set()
        await asyncio.sleep(3600)  # e.g. a connect that hangs
        yield

    async with asyncio.timeout(5):
        async with keep_starting(inner, health)(FastAPI()):
            await entered.wait()
    assert not health.started and health.draining


async def test_a_started_service_moves_its_startup_heap_out_of_the_collectors_reach() -> None:
    health, before = HealthState(), gc.get_threshold()

    @asynccontextmanager
    async def inner(_app):
        health.started = True
        yield

    try:
        gc.unfreeze()
        gc.set_threshold(700, 10, 10)  # CPython's default (an earlier test's start tuned it)
        async with keep_starting(inner, health)(FastAPI()):
            async with asyncio.timeout(5):
                while gc.get_freeze_count() == 0:
                    await asyncio.sleep(0.01)
            assert gc.get_threshold() == GC_THRESHOLDS != (700, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
