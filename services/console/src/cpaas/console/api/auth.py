"""Login, logout and who am I. Sessions live server-side; the cookie holds a random id."""

from typing import Annotated, Literal

from fastapi import APIRouter, Request, Response
from pydantic import StringConstraints

from cpaas.console.api.deps import SESSION_COOKIE, Acting, ApiModel, Settings, Store, User, client_address
from cpaas.console.domain.audit import Action, Actor, Entry
from cpaas.console.domain.credentials import verify_password
from cpaas.console.domain.login_throttle import login_keys
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

BAD_CREDENTIALS = "wrong username or password"
MAX_USERNAME_CHARS = 200  # usernames are at most 64 (domain/users.py); this bounds what is counted
MAX_PASSWORD_CHARS = 1024  # a password hash of megabytes would be a cheap way to burn CPU


class LoginRequest(ApiModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=MAX_USERNAME_CHARS)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=MAX_PASSWORD_CHARS)]


class UserOut(ApiModel):
    id: int
    username: str
    role: Literal["admin", "user"]
    account_id: int
    time_zone: str = "Asia/Kolkata"  # the account's IANA zone: the web app shows dates in it


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


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/auth", tags=["auth"])

    @router.post("/login", response_model=LoginResponse)
    async def login(
        body: LoginRequest, request: Request, response: Response, store: Store, settings: Settings
    ) -> LoginResponse:
        """Failed logins are throttled per client address, per address and username, and per
        username (from addresses that already failed for it) with exponential backoff: an
        attempt that comes too early is answered 429 RATE_LIMITED with Retry-After."""
        address = client_address(request, settings.trusted_proxies)
        keys = login_keys(address, body.username)
        policy = settings.throttle_policy()
        verdict = await store.throttle.begin(keys, policy)
        attempt = Actor(None, body.username, address)  # who tried: not logged in (yet)
        if verdict.retry_after is not None:
            await store.audit.record(Action.LOGIN_THROTTLED, attempt, None, {"retryAfter": verdict.retry_after})
            raise _throttled(verdict.retry_after)
        row = await store.users.by_name(body.username)  # an unknown username costs the same hash check
        if not verify_password(row["password_hash"] if row else None, body.password):
            await store.throttle.failed(keys, verdict, policy)
            why = {"reason": "wrong password"} if row else {"reason": "unknown username"}
            await store.audit.record(Action.LOGIN_FAILED, attempt, row["account_id"] if row else None, why)
            raise ApiError(ErrorCode.UNAUTHORIZED, BAD_CREDENTIALS)
        await store.throttle.succeeded(keys, verdict)
        if not row["active"]:
            await store.audit.record(Action.LOGIN_FAILED, attempt, row["account_id"], {"reason": "deactivated user"})
            raise ApiError(ErrorCode.FORBIDDEN, "this user has been deactivated; contact your administrator")
        who = Actor(row["id"], row["username"], address)
        login = Entry(Action.LOGIN_SUCCEEDED, who, row["account_id"], {"role": row["role"]})
        session_id, csrf = await store.sessions.start(row["id"], settings.session_hours, audit=login)
        response.set_cookie(
            SESSION_COOKIE,
            session_id,
            max_age=int(settings.session_hours * 3600),
            httponly=True,
            samesite="strict",
            secure=settings.environment != "local",
            path="/",
        )
        zone = await store.accounts.time_zone(row["account_id"])
        user = UserOut(
            id=row["id"], username=row["username"], role=row["role"], account_id=row["account_id"], time_zone=zone
        )
        return LoginResponse(user=user, csrf_token=csrf)

    @router.post("/logout", status_code=204)
    async def logout(user: User, actor: Acting, store: Store) -> Response:
        await store.sessions.end(user.session_hash)
        await store.audit.record(Action.LOGGED_OUT, actor, user.account_id)
        response = Response(status_code=204)
        response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
        return response

    @router.get("/me", response_model=LoginResponse)
    async def me(user: User) -> LoginResponse:
        out = UserOut(
            id=user.id, username=user.username, role=user.role, account_id=user.account_id, time_zone=user.time_zone
        )
        return LoginResponse(user=out, csrf_token=user.csrf_token)

    return router
