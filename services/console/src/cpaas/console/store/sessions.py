"""SQL of login sessions: server-side rows keyed by the SHA-256 of the cookie's random id,
each with its CSRF token and expiry."""

from dataclasses import dataclass

import asyncpg

from cpaas.console.domain.audit import Entry
from cpaas.console.domain.credentials import new_session, session_hash
from cpaas.console.store import audit as audit_log


@dataclass(frozen=True)
class SessionUser:
    """The logged-in user of a live session."""

    id: int
    username: str
    role: str
    account_id: int
    csrf_token: str
    session_hash: bytes
    time_zone: str = "Asia/Kolkata"  # the account's (IANA name): "today" and the console's dates


class SessionStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def start(self, user_id: int, hours: float, *, audit: Entry | None = None) -> tuple[str, str]:
        """(session id for the cookie, CSRF token); expired sessions of the user are dropped;
        `audit` (the login) is recorded with the new session."""
        session_id, csrf = new_session()
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= now()", user_id)
            await conn.execute(
                "INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at)"
                " VALUES ($1, $2, $3, now() + $4 * interval '1 hour')",
                session_hash(session_id),
                user_id,
                csrf,
                hours,
            )
            if audit is not None:
                await audit_log.write(conn, audit)
        return session_id, csrf

    async def user(self, session_id: str) -> SessionUser | None:
        """The session's user, or None when the session is unknown, expired or its user inactive."""
        digest = session_hash(session_id)
        row = await self.pool.fetchrow(
            "SELECT u.id, u.username, u.role, u.account_id, s.csrf_token, a.time_zone FROM sessions s"
            " JOIN users u ON u.id = s.user_id JOIN accounts a ON a.id = u.account_id"
            " WHERE s.id_hash = $1 AND s.expires_at > now() AND u.active",
            digest,
        )
        if row is None:
            return None
        return SessionUser(
            row["id"], row["username"], row["role"], row["account_id"], row["csrf_token"], digest, row["time_zone"]
        )

    async def end(self, digest: bytes) -> None:
        await self.pool.execute("DELETE FROM sessions WHERE id_hash = $1", digest)
