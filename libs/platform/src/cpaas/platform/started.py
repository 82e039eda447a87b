"""What a service's lifespan builds, for the subscribers registered before it ran.

A subscriber is registered when the app is built (registering it in the lifespan would
register it again each time a failed start is retried); what it calls (a handler over
the pool) exists only once the lifespan opened the pool. `Started` is that late part:

    router: Started[Router] = Started("router")
    register(broker, settings.kafka, router)        # the subscriber calls router().apply(...)
    ...
    async with started(router, Router(pool, ...)):  # in the lifespan, around the broker
        ...

A call before the lifespan set it (or after it left) raises NotStarted, so the batch is
not committed and comes again.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


class NotStarted(RuntimeError):
    """A handler ran before the lifespan built what it needs (or after it stopped)."""


class Started(Generic[T]):
    def __init__(self, name: str) -> None:
        self.name = name
        self._value: T | None = None

    def __call__(self) -> T:
        if self._value is None:
            raise NotStarted(f"{self.name} has not started")
        return self._value

    def set(self, value: T | None) -> None:
        self._value = value


@contextmanager
def started(slot: Started[T], value: T) -> Iterator[T]:
    """`slot` holds `value` inside the block, and nothing after it."""
    slot.set(value)
    try:
        yield value
    finally:
        slot.set(None)
