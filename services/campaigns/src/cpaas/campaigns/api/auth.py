"""Who is calling: an API key (X-API-Key), checked as the gateway checks it (its SHA-256
through cpaas.control_plane, the account ACTIVE, the client address in the account's IP
allow-list), or a trusted service (X-Service-Token) acting for the account in the path
of an /internal/ route."""

import hashlib
import hmac
from typing import Annotated

from fastapi import Header, Path, Request

from cpaas.campaigns.control_plane import ConsoleData
from cpaas.contracts import ErrorCode
from cpaas.platform.api_errors import ApiError
from cpaas.platform.logs import set_log_context

API_KEY_HEADER = "X-API-Key"
MAX_KEY_LENGTH = 128


async def account_of_key(console: ConsoleData, key: str | None, client_ip: str | None) -> int:
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ApiError(ErrorCode.UNAUTHORIZED, f"missing or malformed {API_KEY_HEADER} header", field=API_KEY_HEADER)
    account = await console.account_for_key(hashlib.sha256(key.encode()).digest())
    if account is None:
        raise ApiError(ErrorCode.UNAUTHORIZED, "invalid API key", field=API_KEY_HEADER)
    if not account.active:
        raise ApiError(ErrorCode.FORBIDDEN, "this account is suspended")
    if not account.allows(client_ip):
        raise ApiError(ErrorCode.IP_NOT_ALLOWED, f"requests from {client_ip} are not in this account's IP allow-list")
    set_log_context(account_id=account.id)
    return account.id


async def api_key_account(
    request: Request, x_api_key: Annotated[str | None, Header(alias=API_KEY_HEADER)] = None
) -> int:
    """The account of the request's API key (FastAPI dependency of the public routes)."""
    client = request.client.host if request.client else None
    return await account_of_key(request.app.state.console, x_api_key, client)


async def service_account(
    request: Request,
    account_id: Annotated[int, Path(ge=1)],
    x_service_token: Annotated[str | None, Header(alias="X-Service-Token")] = None,
) -> int:
    """The account in the path, for a caller holding the service token (internal routes)."""
    expected = request.app.state.settings.service_token
    if not x_service_token or not hmac.compare_digest(x_service_token.encode(), expected.encode()):
        raise ApiError(ErrorCode.UNAUTHORIZED, "missing or wrong X-Service-Token", field="X-Service-Token")
    account = await request.app.state.console.account(account_id)
    if account is None:
        raise ApiError(ErrorCode.NOT_FOUND, f"no account {account_id}")
    if not account.active:
        raise ApiError(ErrorCode.FORBIDDEN, "this account is suspended")
    set_log_context(account_id=account_id)
    return account_id
