"""One error shape for every HTTP API: {"error": {"code", "message", "field"}}.

Handlers raise `ApiError(ErrorCode.X, "human message", field="recipient")` (defined in
cpaas.contracts.errors so that rules without I/O raise it too; re-exported here); request
validation errors, malformed JSON and unknown routes are turned into the same shape, so a
client needs one parser for every refusal.
"""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from cpaas.contracts.errors import ApiError, ErrorCode

log = logging.getLogger(__name__)
REQUEST_PARTS = ("body", "query", "path", "header", "cookie")
__all__ = ["ApiError", "error_response", "install_error_handlers", "validation_error"]


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(error.body(), status_code=error.status, headers=error.headers)


def validation_error(exc: RequestValidationError | Exception) -> ApiError:
    """The first problem of a pydantic validation error, as an ApiError."""
    errors = exc.errors() if hasattr(exc, "errors") else []
    if not errors:
        return ApiError(ErrorCode.VALIDATION_ERROR, "the request is not valid")
    first = errors[0]
    if first.get("type") == "json_invalid":
        return ApiError(ErrorCode.INVALID_JSON, "the body is not valid JSON")
    location = [str(part) for part in first.get("loc", ())]
    # a request's errors start with where (body, query, ...), not which field; a model's do not
    if isinstance(exc, RequestValidationError) and location and location[0] in REQUEST_PARTS:
        location = location[1:]
    field = ".".join(location) or None
    message = first.get("msg", "invalid value")
    return ApiError(ErrorCode.VALIDATION_ERROR, f"{field}: {message}" if field else message, field=field)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(validation_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {
            401: ErrorCode.UNAUTHORIZED,
            403: ErrorCode.FORBIDDEN,
            404: ErrorCode.NOT_FOUND,
            413: ErrorCode.PAYLOAD_TOO_LARGE,
        }.get(exc.status_code, ErrorCode.VALIDATION_ERROR)
        return error_response(ApiError(code, str(exc.detail), status=exc.status_code))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return error_response(ApiError(ErrorCode.INTERNAL_ERROR, "internal error; nothing was sent"))
