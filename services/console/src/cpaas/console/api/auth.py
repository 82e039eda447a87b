"""Login, logout and who am I. Sessions live server-side; the cookie holds a random id."""

from typing import Annotated, Literal

import asyncpg
from fastapi import APIRouter, Request, Response
from pydantic import StringConstraints

from cpaas.console.api.deps import SESSION_COOKIE, ApiModel, User, client_address
from cpaas.console.auth_store import AuthStore
from cpaas.console.domain.login_throttle import login_keys
from cpaas.console.security import verify_password
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

# verifying against a real hash for unknown usernames keeps their timing like known ones
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$yHYZ5n0iPs3xf7XutRSjRg$7X1fDZEovrr9GB8iPGawCS17pQKu7pJiKAAPKEYgWq4"
BAD_CREDENTIALS = "wrong username or password"
MAX_USERNAME_CHARS = 200  # usernames are at most 64 (rules.USERNAME); this bounds what is counted
MAX_PASSWORD_CHARS = 1024  # a password hash of megabytes would be a cheap way to burn CPU


class LoginRequest(ApiModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=MAX_USERNAME_CHARS)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_CHARS)]


class UserOut(ApiModel):
    id: int
    username: str
    role: Literal["admin", "user"]
    account_id: int


class LoginResponse(ApiModel):
    user: UserOut
    csrf_token: str


def _throttled(retry_after: int) -> ApiError:
    # the same words whichever counter refused, and whether or not the username exists
    return ApiError(
        ErrorCode.RATE_LIMITED,
        f"too many failed logins; try again in {retry_after} second(s)",
        headers={"Retry-After": str(retry_after)},
    )


async def _password_matches(auth: AuthStore, username: str, password: str) -> asyncpg.Record | None:
    """The user when the password is theirs; an unknown username costs the same hash check."""
    row = await auth.user_by_name(username)
    if row is None:
        verify_password(_DUMMY_HASH, password)
        return None
    return row if verify_password(row["password_hash"], password) else None


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/auth", tags=["auth"])

    @router.post("/login", response_model=LoginResponse)
    async def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
        """Failed logins are throttled per client address, per address and username, and per
        username (from addresses that already failed for it) with exponential backoff: an
        attempt that comes too early is answered 429 RATE_LIMITED with Retry-After."""
        state = request.app.state
        keys = login_keys(client_address(request, state.settings.trusted_proxies), body.username)
        verdict = await state.throttle.begin(keys)
        if verdict.retry_after is not None:
            raise _throttled(verdict.retry_after)
        row = await _password_matches(state.auth, body.username, body.password)
        if row is None:
            await state.throttle.failed(keys, verdict)
            raise ApiError(ErrorCode.UNAUTHORIZED, BAD_CREDENTIALS)
        await state.throttle.succeeded(keys, verdict)
        if not row["active"]:
            raise ApiError(ErrorCode.FORBIDDEN, "this user has been deactivated; contact your administrator")
        session_id, csrf = await state.auth.start_session(row["id"], state.settings.session_hours)
        response.set_cookie(
            SESSION_COOKIE,
            session_id,
            max_age=int(state.settings.session_hours * 3600),
            httponly=True,
            samesite="strict",
            secure=state.settings.environment != "local",
            path="/",
        )
        user = UserOut(id=row["id"], username=row["username"], role=row["role"], account_id=row["account_id"])
        return LoginResponse(user=user, csrf_token=csrf)

    @router.post("/logout", status_code=204)
    async def logout(user: User, request: Request, response: Response) -> Response:
        await request.app.state.auth.end_session(user.session_hash)
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @router.get("/me", response_model=LoginResponse)
    async def me(user: User) -> LoginResponse:
        out = UserOut(id=user.id, username=user.username, role=user.role, account_id=user.account_id)
        return LoginResponse(user=out, csrf_token=user.csrf_token)

    return router
