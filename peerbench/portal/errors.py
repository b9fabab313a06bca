"""Portal failures and their HTML pages; the JSON API (``/v1/…``) keeps its envelope.

Endpoints raise :class:`SignInRequired` (→ 303 to the sign-in page, remembering where
the person was going), :class:`PortalForbidden` (→ 403 page; never says whether the
thing exists), :class:`PortalNotFound`, or :class:`CsrfFailed`.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from peerbench.api import errors as api_errors
from peerbench.server.tenancy import AlreadyExistsError, NotFoundError, TenancyError

log = logging.getLogger("peerbench.portal")

JSON_PREFIXES = ("/v1/", "/openapi.json")
"""Paths whose failures stay JSON (the API and its schema)."""


class PortalError(StarletteHTTPException):
    """A portal failure shown as an HTML page with ``status`` and ``message``."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers)
        self.message = message


class SignInRequired(PortalError):
    """The page needs a signed-in person: redirect to ``/sign-in?next=…``."""

    def __init__(self, next_path: str = "/") -> None:
        super().__init__(401, "Please sign in to see this page.")
        self.next_path = next_path


class PortalForbidden(PortalError):
    """403: signed in, but this page is not for this account."""

    def __init__(self, message: str = "Your account does not give access to this page.") -> None:
        super().__init__(403, message)


class PortalNotFound(PortalError):
    """404: nothing here."""

    def __init__(self, message: str = "There is no page at this address.") -> None:
        super().__init__(404, message)


class CsrfFailed(PortalError):
    """403: the form's security token is missing or wrong (e.g. an old or forged form)."""

    def __init__(self) -> None:
        super().__init__(
            403,
            "This form has expired or did not come from this site. Go back, reload the "
            "page and try again.",
        )


TITLES = {
    400: "Something is wrong with this request",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "This page cannot be used that way",
    413: "That upload is too large",
    422: "Something is wrong with this request",
    429: "Too many attempts",
    500: "Something went wrong on our side",
}


def is_api_path(path: str) -> bool:
    """Whether ``path`` belongs to the JSON API (``/v1…``) or its schema."""
    return path == "/v1" or path.startswith(JSON_PREFIXES)


def wants_json(request: Request) -> bool:
    """Whether an HTTP failure (e.g. no such route) is answered with the JSON envelope.

    Always on the API's paths; elsewhere only for clients that do not ask for HTML
    (scripts), since browsers send ``Accept: text/html``. Failures inside portal pages
    (raised :class:`PortalError`, validation, unexpected) are always pages.
    """
    if is_api_path(request.url.path):
        return True
    return "text/html" not in request.headers.get("accept", "")


def error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The HTML error page (the portal's layout, signed-in header if known)."""
    from peerbench.portal.templating import render

    title = TITLES.get(status) or HTTPStatus(status).phrase
    response = render(
        request,
        "error.html",
        {"title": title, "message": message, "status": status},
        status_code=status,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if isinstance(exc, SignInRequired):
        target = "/sign-in"
        if exc.next_path and exc.next_path != "/":
            target += "?next=" + quote(exc.next_path, safe="/")
        return RedirectResponse(target, status_code=303)
    if not isinstance(exc, PortalError) and wants_json(request):
        return await api_errors._http_error(request, exc)
    if isinstance(exc, (PortalError, api_errors.ApiError)):
        message = exc.message
    else:
        phrase = HTTPStatus(exc.status_code).phrase
        message = exc.detail if exc.detail and exc.detail != phrase else ""
        message = message or {
            404: "There is no page at this address. Check it, or start again from the home page.",
            405: "This page cannot be used that way.",
        }.get(exc.status_code, phrase + ".")
    headers = dict(exc.headers) if exc.headers else None
    return error_page(request, exc.status_code, message, headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    if is_api_path(request.url.path):
        return await api_errors._validation_error(request, exc)
    return error_page(
        request, 422, "Some of the information sent is missing or not valid. Go back and check it."
    )


async def _tenancy_error(request: Request, exc: Exception) -> Response:
    if is_api_path(request.url.path):
        return await api_errors._tenancy_error(request, exc)
    status = (
        409
        if isinstance(exc, AlreadyExistsError)
        else 404
        if isinstance(exc, NotFoundError)
        else 422
    )
    text = str(exc)
    return error_page(request, status, text[:1].upper() + text[1:] + ".")


async def _unexpected(request: Request, exc: Exception) -> Response:
    if is_api_path(request.url.path):
        return await api_errors._unexpected(request, exc)
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_page(
        request, 500, "The page could not be shown. The problem has been logged; please try again."
    )


def install_portal_errors(app: FastAPI) -> None:
    """Replace the API's handlers with ones that answer HTML outside ``/v1/``."""
    handlers: dict[Any, Any] = {
        TenancyError: _tenancy_error,
        StarletteHTTPException: _http_error,
        RequestValidationError: _validation_error,
        Exception: _unexpected,
    }
    for exc_class, handler in handlers.items():
        app.add_exception_handler(exc_class, handler)
