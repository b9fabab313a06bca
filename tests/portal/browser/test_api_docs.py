"""``/docs`` (Swagger UI) and ``/redoc`` render in Chromium with no internet.

Issue 13 found ``/docs`` blank offline: Swagger UI came from a CDN. The browser here may
reach only the live server (see ``conftest``), so these pass only when the app serves
the assets itself.

Swagger UI and ReDoc are third-party pages: their axe-core figures are recorded in
``axe-figures.json`` but not asserted (their markup is not ours to fix). ReDoc's bundle
asks cdn.redoc.ly for its footer logo; the portal serves the bundle with that address
pointed at its own icon, so no request leaves the server.
"""

from __future__ import annotations

import re

import pytest

from tests.portal.browser.needs import browser_packages

browser_packages()
from playwright.sync_api import Page, expect  # noqa: E402

from tests.portal.browser.checks import check_page  # noqa: E402
from tests.portal.browser.live import Running  # noqa: E402

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_offline(page: Page) -> None:
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("peerbench")
    # The operations are listed, so the OpenAPI document loaded and was parsed.
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("/v1/submissions").first).to_be_visible()
    check_page(page, "api-docs-swagger", axe_blocking=False)


def test_redoc_renders_offline(page: Page, live: Running) -> None:
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto("/redoc")
    expect(page.get_by_role("heading", name=re.compile(r"^peerbench"))).to_be_visible()
    expect(page.get_by_text("/v1/submissions").first).to_be_attached()
    expect(page.get_by_alt_text("redocly logo")).to_be_visible()  # the portal's own icon
    assert [url for url in requested if not url.startswith(live.url)] == []
    check_page(page, "api-docs-redoc", axe_blocking=False)
