"""Login, logout and who am I. Sessions live server-side; the cookie holds a random id."""

from datetime import UTC, datetime
from typing import Literal

from fastapi import APIRouter, Request, Response

from cpaas.console.api.deps import SESSION_COOKIE, ApiModel, User
from cpaas.console.security import verify_password
from cpaas.contracts.errors import ErrorCode
from cpaas.platform.api_errors import ApiError

# verifying against a real hash for unknown usernames keeps their timing like known ones
_DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$yHYZ5n0iPs3xf7XutRSjRg$7X1fDZEovrr9GB8iPGawCS17pQKu7pJiKAAPKEYgWq4"
BAD_CREDENTIALS = "wrong username or password"


class LoginRequest(ApiModel):
    username: str
    password: str


class UserOut(ApiModel):
    id: int
    username: str
    role: Literal["admin", "user"]
    account_id: int


class LoginResponse(ApiModel):
    user: UserOut
    csrf_token: str


def _locked(until: datetime) -> ApiError:
    minutes = max(1, int((until - datetime.now(UTC)).total_seconds() // 60) + 1)
    return ApiError(
        ErrorCode.RATE_LIMITED,
        f"too many failed logins: this user is locked for {minutes} more minute(s)",
        field="username",
        headers={"Retry-After": str(minutes * 60)},
    )


def build_router() -> APIRouter:
    router = APIRouter(prefix="/api/auth", tags=["auth"])

    @router.post("/login", response_model=LoginResponse)
    async def login(body: LoginRequest, request: Request, response: Response) -> LoginResponse:
        state = request.app.state
        row = await state.auth.user_by_name(body.username)
        if row is None:
            verify_password(_DUMMY_HASH, body.password)
            raise ApiError(ErrorCode.UNAUTHORIZED, BAD_CREDENTIALS)
        if row["locked"]:
            raise _locked(row["locked_until"])
        if not verify_password(row["password_hash"], body.password):
            settings = state.settings
            until = await state.auth.record_failed_login(
                row["id"], settings.max_failed_logins, settings.lockout_minutes
            )
            if until is not None:
                raise _locked(until)
            raise ApiError(ErrorCode.UNAUTHORIZED, BAD_CREDENTIALS)
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
