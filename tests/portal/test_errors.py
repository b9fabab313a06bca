"""Failures outside the API are pages; the JSON API keeps its envelope."""

from __future__ import annotations

from tests.portal.harness import PortalHarness

HTML = {"Accept": "text/html,application/xhtml+xml"}


def test_an_unknown_page_is_an_html_404_for_browsers(portal_sqlite: PortalHarness) -> None:
    response = portal_sqlite.client().get("/no-such-page", headers=HTML)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>Page not found</h1>" in response.text


def test_the_api_keeps_json_errors(portal_sqlite: PortalHarness) -> None:
    response = portal_sqlite.client().get("/v1/nope", headers=HTML)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not-found"
    scripted = portal_sqlite.client().get("/no-such-page")
    assert scripted.json()["error"]["code"] == "not-found"


def test_pages_carry_security_headers(portal_sqlite: PortalHarness) -> None:
    response = portal_sqlite.client().get("/sign-in")
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


def test_static_assets_are_served(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.client()
    for asset in ("/static/portal.css", "/static/portal.js", "/static/favicon.svg"):
        assert client.get(asset).status_code == 200, asset
    page = client.get("/")
    assert 'href="/static/portal.css"' in page.text and "<main" in page.text
    assert page.text.count("<h1") == 1 and 'class="skip-link" href="#main"' in page.text
