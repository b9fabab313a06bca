"""``/docs`` and ``/redoc`` work offline: every asset they reference is served by the app."""

from __future__ import annotations

import re

import pytest

from tests.portal.harness import PortalHarness

_ASSET = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']|url\s*:\s*["']([^"']+)["']""")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_reference_only_local_assets_that_exist(
    portal_sqlite: PortalHarness, page: str
) -> None:
    client = portal_sqlite.client()
    response = client.get(page)
    assert response.status_code == 200
    assets = [a or b for a, b in _ASSET.findall(response.text)]
    assert assets, "the page references no assets"
    assert "/openapi.json" in assets or "/openapi.json" in response.text
    for asset in assets:
        assert asset.startswith("/") and not asset.startswith("//"), asset
        fetched = client.get(asset)
        assert fetched.status_code == 200, asset
        assert len(fetched.content) > 0
    assert "cdn" not in response.text.lower()
    assert "fonts.googleapis" not in response.text


def test_the_bundled_scripts_are_the_real_ones(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.client()
    swagger = client.get("/static/api-docs/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in swagger.text and len(swagger.content) > 500_000
    redoc = client.get("/api-docs/redoc.standalone.js")
    assert len(redoc.content) > 500_000 and "Redoc" in redoc.text
    assert "cdn.redoc.ly" not in redoc.text  # its footer logo is local too
    spec = client.get("/openapi.json").json()
    assert "/v1/submissions" in spec["paths"]
    assert not any(p.startswith(("/sign-in", "/account")) for p in spec["paths"])


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_api_docs_declare_their_language(portal_sqlite: PortalHarness, path: str) -> None:
    page = portal_sqlite.client().get(path)
    assert page.status_code == 200
    assert '<html lang="en">' in page.text
