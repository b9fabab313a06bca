"""One JSON error envelope for every failure: ``{"error": {"code", "message", "details"}}``.

Endpoints raise :class:`ApiError` (or a subclass); FastAPI's own failures (unknown
routes, wrong methods, request validation) and unexpected exceptions are converted by
the handlers installed with :func:`install_error_handlers`, so a client never has to
parse two shapes. Messages never include an API key: the key is read only by
:mod:`peerbench.api.deps` and never formatted into text.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from peerbench.server.tenancy import AlreadyExistsError, NotFoundError, TenancyError

log = logging.getLogger("peerbench.api")

CODES = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "request-too-large",
    415: "unsupported-media-type",
    422: "invalid-request",
    429: "rate-limited",
    500: "internal-error",
}
"""The default ``code`` for each HTTP status; endpoints may give a more precise one."""


class ApiError(StarletteHTTPException):
    """A failure to report to the client in the envelope.

    It is an ``HTTPException`` so that FastAPI passes it through unchanged when it is
    raised while FastAPI reads a body (it would turn other exceptions into a 400).

    Args:
        status: HTTP status.
        message: One sentence for people.
        code: Stable slug clients may match on (default from :data:`CODES`).
        details: Structured extras (e.g. the field that was wrong).
        headers: Extra response headers (``Retry-After``, ``WWW-Authenticate``).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        details: dict[str, Any] | list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(status, message, headers)
        self.status = status
        self.message = message
        self.code = code or CODES.get(status, "error")
        self.details = details


class NotFound(ApiError):
    """404 with the envelope."""

    def __init__(self, message: str = "Not found.") -> None:
        super().__init__(404, message)


class Forbidden(ApiError):
    """403: the key is valid but its role may not do this."""

    def __init__(self, message: str = "This API key's role may not do this.") -> None:
        super().__init__(403, message)


class Unauthorized(ApiError):
    """401: no key, or a key that is unknown or revoked (never said which, never echoed)."""

    def __init__(self, message: str = "A valid API key is required.") -> None:
        super().__init__(401, message, headers={"WWW-Authenticate": "Bearer"})


class RequestTooLarge(ApiError):
    """413: the body is over ``settings.max_request_bytes``."""

    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            f"The request body is larger than this server accepts ({limit:,} bytes).",
            details={"max_request_bytes": limit},
        )


def envelope(
    status: int,
    message: str,
    *,
    code: str | None = None,
    details: dict[str, Any] | list[Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The JSON response for a failure."""
    body = {
        "error": {
            "code": code or CODES.get(status, "error"),
            "message": message,
            "details": details,
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase + "."
    except ValueError:
        return "Request failed."


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, ApiError):
        headers = dict(exc.headers) if exc.headers else None
        return envelope(
            exc.status, exc.message, code=exc.code, details=exc.details, headers=headers
        )
    # Starlette's default detail is the bare status phrase; say it as a sentence.
    message = exc.detail if exc.detail and exc.detail != HTTPStatus(exc.status_code).phrase else ""
    headers = dict(exc.headers) if exc.headers else None
    return envelope(exc.status_code, message or _phrase(exc.status_code), headers=headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # "input" is left out: it can echo submitted data back into logs and proxies.
    problems = [
        {"location": [str(part) for part in error.get("loc", ())], "message": error.get("msg")}
        for error in exc.errors()
    ]
    return envelope(422, "The request is not valid; see details.", details=problems)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Logged with the traceback for operators; the client gets no internals.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return envelope(500, "The server could not complete the request; it has been logged.")


async def _tenancy_error(request: Request, exc: Exception) -> JSONResponse:
    # Tenancy messages are written for people and name ids only, never secrets.
    status = (
        409
        if isinstance(exc, AlreadyExistsError)
        else 404
        if isinstance(exc, NotFoundError)
        else 422
    )
    return envelope(status, str(exc)[:1].upper() + str(exc)[1:] + ".")


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure through :func:`envelope`."""
    app.add_exception_handler(TenancyError, _tenancy_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)
