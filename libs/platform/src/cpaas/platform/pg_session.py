"""Pooled connections reset on release only when they hold session state.

asyncpg resets every connection given back to its pool with one more statement
(`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`): a second round trip
for every `pool.fetch` and each `acquire`, about a quarter of all the statements the
platform ran per message (bench/submit.py's statement table). The platform's code keeps
no session state on pooled connections (no SET, no LISTEN, no cursor outside a
transaction, no temporary table), except session advisory locks, whose holders call
`hold_session_state(conn)`: only those connections get the reset query on release. An
open transaction is still rolled back on release (asyncpg does that before `reset`), and
a connection of another class is always reset in full.
"""

import asyncpg


class PooledConnection(asyncpg.Connection):
    """A pool's connection that knows whether it holds session state."""

    __slots__ = ("_holds_session_state",)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._holds_session_state = False

    def hold_session_state(self) -> None:
        """This connection now holds session state (a session advisory lock): reset it
        with the full query when it goes back to the pool."""
        self._holds_session_state = True


async def reset_held_state(conn: asyncpg.Connection) -> None:
    if getattr(conn, "_holds_session_state", True):  # not ours: the full reset, as asyncpg does
        query = conn.get_reset_query()
        if query:
            await conn.execute(query)
        if isinstance(conn, PooledConnection):
            conn._holds_session_state = False


def hold_session_state(conn: asyncpg.Connection) -> None:
    """Say that `conn` (a pooled connection, or the proxy of one) now holds session state,
    so its pool resets it on release; a connection of another kind is always reset."""
    mark = getattr(conn, "hold_session_state", None)
    if mark is not None:
        mark()
