"""Micro-batching: many concurrent callers, one round trip.

`await batcher.submit(item)` queues the item; all items queued while the previous
batch was in flight go out together in the next call of `run_batch(items) -> results`
(one result per item, same order). Under load a hot path thus pays one database round
trip per batch instead of one per request; when idle a lone item goes out at once.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")


class MicroBatcher(Generic[ItemT, ResultT]):
    def __init__(self, run_batch: Callable[[list[ItemT]], Awaitable[list[ResultT]]], *, max_size: int = 1000) -> None:
        self.run_batch = run_batch
        self.max_size = max_size
        self._pending: list[tuple[ItemT, asyncio.Future[ResultT]]] = []
        self._worker: asyncio.Task | None = None

    async def submit(self, item: ItemT) -> ResultT:
        return await self.enqueue(item)

    def enqueue(self, item: ItemT) -> asyncio.Future[ResultT]:
        """Queue `item` without waiting; the future resolves once its batch has run (a caller
        that never awaits it should have `run_batch` handle its own errors)."""
        future: asyncio.Future[ResultT] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return future

    async def flush(self) -> None:
        """Wait until every item queued so far has been run (at shutdown)."""
        while self._worker is not None and not self._worker.done():
            await asyncio.shield(self._worker)

    async def _drain(self) -> None:
        await asyncio.sleep(0)  # let callers already scheduled join this batch
        while self._pending:
            batch, self._pending = self._pending[: self.max_size], self._pending[self.max_size :]
            try:
                results = await self.run_batch([item for item, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
