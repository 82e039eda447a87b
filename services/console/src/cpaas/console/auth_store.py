"""SQL of console logins: users, sessions, user management (login throttling: throttle_store)."""

import hashlib
import secrets
from dataclasses import dataclass

import asyncpg

from cpaas.console.security import hash_password, new_api_key
from cpaas.console.template_store import _like

SESSION_ID_BYTES = 32  # 256 random bits
CSRF_TOKEN_BYTES = 32


def session_hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()


@dataclass(frozen=True)
class SessionUser:
    id: int
    username: str
    role: str
    account_id: int
    csrf_token: str
    session_hash: bytes


class AuthStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def user_by_name(self, username: str) -> asyncpg.Record | None:
        return await self.pool.fetchrow(
            "SELECT id, account_id, username, password_hash, role, active FROM users WHERE username = $1", username
        )

    async def start_session(self, user_id: int, hours: float) -> tuple[str, str]:
        """(session id for the cookie, CSRF token); expired sessions of the user are dropped."""
        session_id = secrets.token_urlsafe(SESSION_ID_BYTES)
        csrf = secrets.token_urlsafe(CSRF_TOKEN_BYTES)
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
        return session_id, csrf

    async def session_user(self, session_id: str) -> SessionUser | None:
        digest = session_hash(session_id)
        row = await self.pool.fetchrow(
            "SELECT u.id, u.username, u.role, u.account_id, s.csrf_token FROM sessions s"
            " JOIN users u ON u.id = s.user_id WHERE s.id_hash = $1 AND s.expires_at > now() AND u.active",
            digest,
        )
        if row is None:
            return None
        return SessionUser(row["id"], row["username"], row["role"], row["account_id"], row["csrf_token"], digest)

    async def end_session(self, digest: bytes) -> None:
        await self.pool.execute("DELETE FROM sessions WHERE id_hash = $1", digest)

    async def users_page(self, search: str | None, page: int, page_size: int) -> tuple[list[asyncpg.Record], int]:
        """Users of every account, searched by username or account name, newest last."""
        where, args = "", []
        if search:
            where = " WHERE u.username ILIKE $1 OR a.name ILIKE $1"
            args.append(_like(search))
        rows = await self.pool.fetch(
            "SELECT u.id, u.username, u.role, u.account_id, a.name AS account_name, u.active,"
            " COALESCE(t.wait_until > now(), false) AS locked, u.created_at, count(*) OVER () AS total"
            f" FROM users u JOIN accounts a ON a.id = u.account_id"
            " LEFT JOIN login_throttle t ON t.key = 'u' || chr(31) || u.username"
            f"{where}"
            f" ORDER BY u.id LIMIT ${len(args) + 1} OFFSET ${len(args) + 2}",
            *args,
            page_size,
            (page - 1) * page_size,
        )
        if rows:
            return rows, rows[0]["total"]
        total = await self.pool.fetchval(
            f"SELECT count(*) FROM users u JOIN accounts a ON a.id = u.account_id{where}", *args
        )
        return rows, total

    async def account_exists(self, account_id: int) -> bool:
        return await self.pool.fetchval("SELECT EXISTS (SELECT 1 FROM accounts WHERE id = $1)", account_id)

    async def accounts(self) -> list[asyncpg.Record]:
        return await self.pool.fetch(
            "SELECT a.id, a.name, a.status, a.created_at, count(u.id) AS users FROM accounts a"
            " LEFT JOIN users u ON u.account_id = a.id GROUP BY a.id ORDER BY a.id"
        )

    async def create_user_with_account(
        self, account_name: str, username: str, password: str, role: str
    ) -> tuple[int, int, str]:
        """A new account, its API key and its first user, in one transaction (all or nothing):
        (user id, account id, the API key shown once)."""
        key, prefix, digest = new_api_key()
        async with self.pool.acquire() as conn, conn.transaction():
            account_id = await conn.fetchval("INSERT INTO accounts (name) VALUES ($1) RETURNING id", account_name)
            await conn.execute(
                "INSERT INTO api_keys (account_id, key_hash, key_prefix) VALUES ($1, $2, $3)",
                account_id,
                digest,
                prefix,
            )
            user_id = await conn.fetchval(
                "INSERT INTO users (account_id, username, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id",
                account_id,
                username,
                hash_password(password),
                role,
            )
        return user_id, account_id, key

    async def create_user(self, account_id: int, username: str, password: str, role: str) -> int:
        return await self.pool.fetchval(
            "INSERT INTO users (account_id, username, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id",
            account_id,
            username,
            hash_password(password),
            role,
        )

    async def set_active(self, user_id: int, active: bool) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            result = await conn.execute("UPDATE users SET active = $2 WHERE id = $1", user_id, active)
            if not active:
                await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
        return result.endswith("1")

    async def reset_password(self, user_id: int, password: str) -> bool:
        async with self.pool.acquire() as conn, conn.transaction():
            result = await conn.execute(
                "UPDATE users SET password_hash = $2 WHERE id = $1", user_id, hash_password(password)
            )
            await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
            # the user's username counter starts again (see throttle_store)
            await conn.execute(
                "DELETE FROM login_throttle t USING users u WHERE u.id = $1 AND t.key = 'u' || chr(31) || u.username",
                user_id,
            )
        return result.endswith("1")
