"""``/docs`` (Swagger UI) and ``/redoc`` render in Chromium with no internet.

Issue 13 found ``/docs`` blank offline: Swagger UI came from a CDN. The browser here may
reach only the live server (see ``conftest``), so these pass only when the app serves
the assets itself.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.portal.browser.checks import check_page

pytestmark = pytest.mark.browser


def test_swagger_ui_renders_offline(page: Page) -> None:
    page.goto("/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("peerbench")
    # The operations are listed, so the OpenAPI document loaded and was parsed.
    expect(page.locator(".opblock-tag-section").first).to_be_visible()
    expect(page.get_by_text("/v1/submissions").first).to_be_visible()
    check_page(page, "api-docs-swagger")


def test_redoc_renders_offline(page: Page) -> None:
    page.goto("/redoc")
    expect(page.get_by_role("heading", name=re.compile(r"^peerbench"))).to_be_visible()
    expect(page.get_by_text("/v1/submissions").first).to_be_attached()
    check_page(page, "api-docs-redoc")
