"""API-key authentication and the IP allow-list, as a FastAPI dependency."""

import hashlib
from dataclasses import dataclass

from fastapi import Request

from cpaas.contracts import ErrorCode
from cpaas.gateway.control_plane import AccountAccess, ControlPlane
from cpaas.platform.api_errors import ApiError
from cpaas.platform.logs import set_log_context

API_KEY_HEADER = "X-API-Key"
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class Caller:
    account_id: int
    access: AccountAccess


def client_ip(request: Request, trust_forwarded_for: bool) -> str | None:
    if trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.client.host if request.client else None


async def authenticate_key(state, key: str | None, ip: str | None) -> Caller:
    """The caller of an API key from `ip`, or an ApiError (401, 403)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(ErrorCode.UNAUTHORIZED, f"missing or malformed {API_KEY_HEADER} header", field=API_KEY_HEADER)
    control: ControlPlane = state.control_plane
    access = await control.access_for_key(hashlib.sha256(key.encode()).digest())
    if access is None:
        raise ApiError(ErrorCode.UNAUTHORIZED, "invalid API key", field=API_KEY_HEADER)
    if not access.active:
        raise ApiError(ErrorCode.FORBIDDEN, "this account is suspended")
    if not access.allows(ip):
        raise ApiError(ErrorCode.IP_NOT_ALLOWED, f"requests from {ip} are not in this account's IP allow-list")
    set_log_context(account_id=access.account_id)
    return Caller(access.account_id, access)


async def authenticate(request: Request) -> Caller:
    state = request.app.state
    ip = client_ip(request, state.settings.trust_forwarded_for)
    return await authenticate_key(state, request.headers.get(API_KEY_HEADER), ip)
