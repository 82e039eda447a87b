"""LISTEN/NOTIFY: how readers of another service's tables learn of a change at once.

`listen` holds one dedicated connection (outside the pool) and calls `on_notify(payload)`
for each notification; if the connection drops it reconnects with backoff and calls
`on_reconnect()` so the caller can drop whatever it cached (it may have missed
notifications meanwhile).
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable

import asyncpg

log = logging.getLogger(__name__)
RECONNECT_DELAY_SECONDS = (0.5, 1, 2, 5)


class Listener:
    def __init__(
        self, dsn: str, channel: str, on_notify: Callable[[str], None], on_reconnect: Callable[[], None]
    ) -> None:
        self.dsn, self.channel = dsn, channel
        self.on_notify, self.on_reconnect = on_notify, on_reconnect
        self._task: asyncio.Task | None = None
        self.connected = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"listen:{self.channel}")
        await asyncio.wait_for(self.connected.wait(), 15)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        attempt = 0
        while True:
            try:
                conn = await asyncpg.connect(self.dsn)
            except (OSError, asyncpg.PostgresError):
                await asyncio.sleep(RECONNECT_DELAY_SECONDS[min(attempt, len(RECONNECT_DELAY_SECONDS) - 1)])
                attempt += 1
                continue
            lost = asyncio.Event()
            try:
                conn.add_termination_listener(lambda _c, lost=lost: lost.set())
                await conn.add_listener(self.channel, lambda _c, _pid, _ch, payload: self.on_notify(payload))
                if attempt or self.connected.is_set():
                    self.on_reconnect()
                attempt = 0
                self.connected.set()
                await lost.wait()
                log.warning("lost the LISTEN connection; reconnecting", extra={"channel": self.channel})
            finally:
                with contextlib.suppress(Exception):
                    await conn.close()
