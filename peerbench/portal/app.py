"""Add the portal to the API's FastAPI app: pages, static files, HTML errors, offline docs.

``peerbench.api.app.create_app`` calls :func:`install_portal`. Routers are collected from
every ``peerbench/portal/routes_*.py`` module (each defines ``router``), so a new page
module needs no change here.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

import peerbench.portal
from peerbench.portal.errors import install_portal_errors
from peerbench.portal.routes_docs import DOCS_STATIC_URL
from peerbench.server.settings import Settings

STATIC_DIR = Path(__file__).resolve().parent / "static"
DOCS_STATIC_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
"""Swagger UI and ReDoc, bundled by ``fastapi-offline`` (no CDN)."""


def route_modules() -> list[str]:
    """Names of the portal's page modules (``peerbench.portal.routes_*``), sorted."""
    return sorted(
        f"peerbench.portal.{info.name}"
        for info in pkgutil.iter_modules(peerbench.portal.__path__)
        if info.name.startswith("routes_")
    )


def install_portal(app: FastAPI, settings: Settings) -> None:
    """Serve the portal from ``app``.

    Args:
        app: The API app (its JSON routes keep their JSON errors under ``/v1/``).
        settings: Cookie, session and mail settings are read from here.
    """
    app.state.portal_settings = settings
    for name in route_modules():
        router = importlib.import_module(name).router
        assert isinstance(router, APIRouter), name
        app.include_router(router)
    # Mounted after the routers so a page path can never be shadowed by a file.
    app.mount(DOCS_STATIC_URL, StaticFiles(directory=DOCS_STATIC_DIR), name="api-docs-static")
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_portal_errors(app)
