"""``/docs`` (Swagger UI) and ``/redoc`` served with no internet.

FastAPI's own pages load their scripts from a CDN, which leaves a blank page offline
(issue 13); ``fastapi-offline`` bundles the same assets, served here from
:data:`peerbench.portal.app.DOCS_STATIC_URL`.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from fastapi.responses import HTMLResponse

from peerbench.portal.deps import CsrfChecked

router = APIRouter(dependencies=[CsrfChecked], include_in_schema=False)

DOCS_STATIC_URL = "/static/api-docs"


def _root(request: Request) -> str:
    return str(request.scope.get("root_path", ""))


@router.get("/docs")
def swagger_ui(request: Request) -> HTMLResponse:
    """Interactive API documentation (Swagger UI)."""
    root = _root(request)
    return get_swagger_ui_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title="peerbench API",
        oauth2_redirect_url=f"{root}/docs/oauth2-redirect",
        swagger_js_url=f"{root}{DOCS_STATIC_URL}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{DOCS_STATIC_URL}/swagger-ui.css",
        swagger_favicon_url=f"{root}{DOCS_STATIC_URL}/favicon.png",
    )


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 helper page (part of its bundle)."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc")
def redoc(request: Request) -> HTMLResponse:
    """Read-only API reference (ReDoc)."""
    root = _root(request)
    return get_redoc_html(
        openapi_url=f"{root}{request.app.openapi_url}",
        title="peerbench API reference",
        redoc_js_url=f"{root}{DOCS_STATIC_URL}/redoc.standalone.js",
        redoc_favicon_url=f"{root}{DOCS_STATIC_URL}/favicon.png",
        with_google_fonts=False,
    )
