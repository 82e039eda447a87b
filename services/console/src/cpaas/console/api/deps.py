"""What every route shares: the camelCase model base, the app's parts (store, settings,
the platform's internal APIs), the logged-in user (with CSRF checked on every
state-changing request), the admin guard, pagination, and the answer to a rule's refusal."""

import secrets
from typing import Annotated

from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from cpaas.console.domain.audit import Actor
from cpaas.console.domain.errors import InvalidField
from cpaas.console.platform_apis import PlatformApis
from cpaas.console.settings import ConsoleSettings
from cpaas.console.store import ConsoleStore
from cpaas.console.store.sessions import SessionUser
from cpaas.contracts.errors import ErrorCode
from cpaas.message_log import MessageLogReader
from cpaas.platform.api_errors import ApiError, error_response
from cpaas.platform.broker import EventPublisher

SESSION_COOKIE = "cpaas_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_PAGE_SIZE = 100
MAX_PAGE = 1_000_000  # pages past this are refused (the offset of a larger one overflows nothing, but helps no one)
MAX_ID = 2**63 - 1  # ids are PostgreSQL bigints: a larger one is refused here, not by the database


class ApiModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Page(ApiModel):
    page: int
    page_size: int
    total: int


# the parts app.py's lifespan put on app.state, as typed route parameters
def _store(request: Request) -> ConsoleStore:
    return request.app.state.store


def _settings(request: Request) -> ConsoleSettings:
    return request.app.state.settings


def _apis(request: Request) -> PlatformApis:
    return request.app.state.apis


def _reports(request: Request) -> MessageLogReader:
    return request.app.state.reports


def _publisher(request: Request) -> EventPublisher:
    return request.app.state.publisher


Store = Annotated[ConsoleStore, Depends(_store)]
Settings = Annotated[ConsoleSettings, Depends(_settings)]
Apis = Annotated[PlatformApis, Depends(_apis)]
Reports = Annotated[MessageLogReader, Depends(_reports)]
Publisher = Annotated[EventPublisher, Depends(_publisher)]


async def current_user(request: Request) -> SessionUser:
    session_id = request.cookies.get(SESSION_COOKIE)
    user = await request.app.state.store.sessions.user(session_id) if session_id else None
    if user is None:
        raise ApiError(ErrorCode.UNAUTHORIZED, "log in to continue")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent.encode(), user.csrf_token.encode()):
            raise ApiError(ErrorCode.FORBIDDEN, "missing or wrong CSRF token", field=CSRF_HEADER)
    return user


async def require_admin(user: Annotated[SessionUser, Depends(current_user)]) -> SessionUser:
    if user.role != "admin":
        raise ApiError(ErrorCode.FORBIDDEN, "this needs an administrator")
    return user


User = Annotated[SessionUser, Depends(current_user)]
Admin = Annotated[SessionUser, Depends(require_admin)]


async def acting_user(request: Request, user: User) -> Actor:
    """The logged-in user and their client address, as the audit log records them."""
    return Actor(user.id, user.username, client_address(request, request.app.state.settings.trusted_proxies))


Acting = Annotated[Actor, Depends(acting_user)]
PageNo = Annotated[int, Query(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE, alias="pageSize")]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]  # an id in the URL path
BodyId = Annotated[int, Field(ge=1, le=MAX_ID)]  # an id in a JSON body


def client_address(request: Request, trusted_proxies: int) -> str:
    """The client's address, as the gateway reads it: with `trusted_proxies` = 0 the
    connection's own (X-Forwarded-For ignored); with N proxies in front, each appending the
    address it was reached from, the Nth entry from the right (what the outermost of our
    proxies saw). Entries further left were written by the client and are never used; a
    header with fewer than N entries did not pass all N proxies and is ignored too."""
    peer = request.client.host if request.client else "unknown"
    if trusted_proxies <= 0:
        return peer
    entries = [e.strip() for line in request.headers.getlist("x-forwarded-for") for e in line.split(",") if e.strip()]
    if len(entries) < trusted_proxies:
        return peer
    return _without_port(entries[-trusted_proxies])


def _without_port(entry: str) -> str:
    """'203.0.113.7:4711' and '[2001:db8::1]:443' are addresses too (some proxies add ports)."""
    if entry.startswith("["):
        return entry[1:].partition("]")[0]
    host, sep, port = entry.rpartition(":")
    return host if sep and "." in host and port.isdigit() else entry


def install_invalid_field_handler(app: FastAPI) -> None:
    """A rule's InvalidField, raised anywhere under a route, is 422 VALIDATION_ERROR naming its field."""

    @app.exception_handler(InvalidField)
    async def _invalid(_: Request, error: InvalidField) -> JSONResponse:
        return error_response(ApiError(ErrorCode.VALIDATION_ERROR, error.message, field=error.field))


def not_found(what: str) -> ApiError:
    return ApiError(ErrorCode.NOT_FOUND, f"{what} not found")
