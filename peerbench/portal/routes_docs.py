"""``/docs`` (Swagger UI) and ``/redoc`` served with no internet.

FastAPI's own pages load their scripts from a CDN, which leaves a blank page offline
(issue 13); ``fastapi-offline`` bundles the same assets, served here from
:data:`DOCS_STATIC_URL`. ReDoc's bundle still fetches its footer logo from
``cdn.redoc.ly``; :data:`REDOC_SCRIPT_URL` serves the bundle with that one address
pointed at a local image, so the page makes no request off the server.
"""

from __future__ import annotations

import functools
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse, Response

from peerbench.portal.deps import CsrfChecked

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)

DOCS_STATIC_URL = "/static/api-docs"
REDOC_SCRIPT_URL = "/api-docs/redoc.standalone.js"
_REDOC_BUNDLE = Path(fastapi_offline.__file__).resolve().parent / "static" / "redoc.standalone.js"
_REDOC_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


@functools.cache
def redoc_bundle() -> bytes:
    """ReDoc's standalone bundle with its CDN logo replaced by the portal's own icon."""
    return _REDOC_BUNDLE.read_bytes().replace(_REDOC_LOGO.encode(), b"/static/favicon.svg")


def _in_english(page: HTMLResponse) -> HTMLResponse:
    """FastAPI's page with ``<html lang="en">``, so screen readers pick the right voice
    (axe-core's serious ``html-has-lang``)."""
    body = bytes(page.body).replace(b"<html>", b'<html lang="en">', 1)
    return HTMLResponse(body, status_code=page.status_code)


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive API documentation (Swagger UI)."""
    root = _root(request)
    page = get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title="peerbench API",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_js_url=f"{root}{DOCS_STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{DOCS_STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{DOCS_STATIC_URL}/favicon.png",
    )
    return _in_english(page)


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 helper page (part of its bundle)."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """Read-only API reference (ReDoc)."""
    root = _root(request)
    page = get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title="peerbench API reference",
        redoc_js_url=f"{root}{REDOC_SCRIPT_URL}",
        redoc_favicon_url=f"{root}{DOCS_STATIC_URL}/favicon.png",
        with_google_fonts=False,
    )
    return _in_english(page)


@router.get(REDOC_SCRIPT_URL)
def redoc_script() -> Response:
    """The ReDoc bundle, making no request off the server."""
    return Response(
        redoc_bundle(),
        media_type="text/javascript",
        headers={"Cache-Control": "public, max-age=86400"},
    )
