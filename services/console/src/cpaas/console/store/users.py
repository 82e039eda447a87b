"""SQL of console users and the admin's user management (their sessions: sessions.py)."""

import asyncpg

from cpaas.console.domain.audit import SYSTEM, Action, Actor, Entry
from cpaas.console.domain.credentials import hash_password, new_api_key
from cpaas.console.store import audit as audit_log
from cpaas.console.store.paging import fetch_page, like

# a user's own failed-login counter (domain/login_throttle.py's key of the username)
_USERNAME_COUNTER = "'u' || chr(31) || u.username"
_INSERT_USER = "INSERT INTO users (account_id, username, password_hash, role) VALUES ($1, $2, $3, $4) RETURNING id"


class UserStore:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def by_name(self, username: str) -> asyncpg.Record | None:
        return await self.pool.fetchrow(
            "SELECT id, account_id, username, password_hash, role, active FROM users WHERE username = $1", username
        )

    async def page(self, search: str | None, page: int, page_size: int) -> tuple[list[asyncpg.Record], int]:
        """Users of every account, searched by username or account name, oldest first."""
        where, args = "", []
        if search:
            where, args = " WHERE u.username ILIKE $1 OR a.name ILIKE $1", [like(search)]
        return await fetch_page(
            self.pool,
            columns="u.id, u.username, u.role, u.account_id, a.name AS account_name, u.active,"
            " COALESCE(t.wait_until > now(), false) AS locked, u.created_at",
            source=" FROM users u JOIN accounts a ON a.id = u.account_id"
            f" LEFT JOIN login_throttle t ON t.key = {_USERNAME_COUNTER}{where}",
            args=args,
            order="u.id",
            page=page,
            page_size=page_size,
        )

    async def create(self, account_id: int, username: str, password: str, role: str, *, actor: Actor = SYSTEM) -> int:
        """The new user's id, recorded as `actor`'s USER_CREATED."""
        async with self.pool.acquire() as conn, conn.transaction():
            user_id = await conn.fetchval(_INSERT_USER, account_id, username, hash_password(password), role)
            changes = {"userId": user_id, "username": username, "role": role}
            await audit_log.write(conn, Entry(Action.USER_CREATED, actor, account_id, changes))
        return user_id

    async def create_with_account(
        self,
        account_name: str,
        username: str,
        password: str,
        role: str,
        *,
        time_zone: str = "Asia/Kolkata",
        actor: Actor = SYSTEM,
    ) -> tuple[int, int, str]:
        """A new account, its API key and its first user, in one transaction (all or nothing):
        (user id, account id, the API key shown once)."""
        key, prefix, digest = new_api_key()
        async with self.pool.acquire() as conn, conn.transaction():
            account_id = await conn.fetchval(
                "INSERT INTO accounts (name, time_zone) VALUES ($1, $2) RETURNING id", account_name, time_zone
            )
            await conn.execute(
                "INSERT INTO api_keys (account_id, key_hash, key_prefix) VALUES ($1, $2, $3)",
                account_id,
                digest,
                prefix,
            )
            user_id = await conn.fetchval(_INSERT_USER, account_id, username, hash_password(password), role)
            created = {"name": account_name, "timeZone": time_zone, "apiKeyPrefix": prefix}
            await audit_log.write(conn, Entry(Action.ACCOUNT_CREATED, actor, account_id, created))
            changes = {"userId": user_id, "username": username, "role": role}
            await audit_log.write(conn, Entry(Action.USER_CREATED, actor, account_id, changes))
        return user_id, account_id, key

    async def set_active(self, user_id: int, active: bool, *, actor: Actor = SYSTEM) -> bool:
        """False when there is no such user; a deactivated user's sessions end at once."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "UPDATE users u SET active = $2 FROM users o WHERE u.id = $1 AND o.id = u.id"
                " RETURNING u.account_id, u.username, o.active AS was_active",
                user_id,
                active,
            )
            if row is None:
                return False
            if not active:
                await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
            action = Action.USER_ACTIVATED if active else Action.USER_DEACTIVATED
            changes = {
                "userId": user_id,
                "username": row["username"],
                "active": {"from": row["was_active"], "to": active},
            }
            await audit_log.write(conn, Entry(action, actor, row["account_id"], changes))
        return True

    async def reset_password(self, user_id: int, password: str, *, actor: Actor = SYSTEM) -> bool:
        """False when there is no such user; the user's sessions end and their username's
        failed-login counter starts again."""
        async with self.pool.acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                "UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING account_id, username",
                user_id,
                hash_password(password),
            )
            if row is None:
                return False
            await conn.execute("DELETE FROM sessions WHERE user_id = $1", user_id)
            await conn.execute(
                f"DELETE FROM login_throttle t USING users u WHERE u.id = $1 AND t.key = {_USERNAME_COUNTER}",
                user_id,
            )
            changes = {"userId": user_id, "username": row["username"]}  # never the password
            await audit_log.write(conn, Entry(Action.PASSWORD_RESET, actor, row["account_id"], changes))
        return True
