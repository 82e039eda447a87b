"""API-key authentication, the invalid-key throttle and the IP allow-list; `authenticate`
is the FastAPI dependency, `authenticate_key` is shared with the raw submit path."""

import hashlib
from dataclasses import dataclass
from typing import Annotated

from fastapi import Request, Security
from fastapi.security import APIKeyHeader

from cpaas.contracts import ErrorCode
from cpaas.control_plane import Account, ControlPlane
from cpaas.gateway.api.client_address import client_ip, shown, throttle_key
from cpaas.gateway.domain.limits import InvalidKeyThrottle
from cpaas.platform.api_errors import ApiError
from cpaas.platform.logs import set_log_context

API_KEY_HEADER = "X-API-Key"
MAX_KEY_LENGTH = 128


@dataclass(frozen=True)
class Caller:
    account_id: int
    account: Account


async def authenticate_key(
    control: ControlPlane, throttle: InvalidKeyThrottle, key: str | None, ip: str | None
) -> Caller:
    """The caller of an API key from `ip`, or an ApiError (401, 403, 429)."""
    well_formed = bool(key) and len(key) <= MAX_KEY_LENGTH
    key_hash = hashlib.sha256(key.encode()).digest() if well_formed else None
    account = control.cached_account_for_key(key_hash) if key_hash else None
    if not isinstance(account, Account):  # not known valid: the throttle applies
        account = await _look_up_throttled(throttle, control, key_hash, account, ip)
    if not account.active:
        raise ApiError(ErrorCode.FORBIDDEN, "this account is suspended")
    if not account.allows(ip):
        raise ApiError(ErrorCode.IP_NOT_ALLOWED, f"requests from {shown(ip)} are not in this account's IP allow-list")
    set_log_context(account_id=account.id)
    return Caller(account.id, account)


async def _look_up_throttled(
    throttle: InvalidKeyThrottle, control: ControlPlane, key_hash: bytes | None, cached: object, ip: str | None
) -> Account:
    """`cached` is the cache's answer for the key: None (known unknown) or MISS."""
    address = throttle_key(ip)
    wait = throttle.retry_after(address)
    if wait is not None:
        raise ApiError(
            ErrorCode.RATE_LIMITED,
            f"too many requests with a missing or invalid API key from this address; retry in {wait} s",
            field=API_KEY_HEADER,
            headers={"Retry-After": str(wait)},
        )
    if key_hash is None:
        throttle.failed(address)
        raise ApiError(ErrorCode.UNAUTHORIZED, f"missing or malformed {API_KEY_HEADER} header", field=API_KEY_HEADER)
    account = await control.account_for_key(key_hash) if cached is not None else None
    if account is None:
        throttle.failed(address)
        raise ApiError(ErrorCode.UNAUTHORIZED, "invalid API key", field=API_KEY_HEADER)
    return account


# declared as a security scheme, so the OpenAPI document (and /docs' Authorize) shows it on every route
API_KEY = APIKeyHeader(
    name=API_KEY_HEADER, scheme_name="ApiKey", auto_error=False, description="The account's API key (Settings)"
)


async def authenticate(request: Request, key: Annotated[str | None, Security(API_KEY)] = None) -> Caller:
    state = request.app.state
    ip = client_ip(request.scope, state.settings.forwarded_for_hops)
    return await authenticate_key(state.control_plane, state.key_throttle, key, ip)
