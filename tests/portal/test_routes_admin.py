"""Admin pages: organisations, networks, users, keys; the same functions as the API and CLI.

A page and the JSON API (or ``peerbench admin``) must agree: what one creates the other
lists. Every ``/admin`` route refuses everyone but admins (403, for GET and POST alike).
"""

from __future__ import annotations

import json
import re

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from peerbench.cli.main import cli
from peerbench.server import audit, tenancy
from peerbench.server.db.models import User
from tests.portal.harness import USERS, PortalHarness, email_of, portal_routes

NON_ADMINS = [who for who in USERS if who != "admin"]


def admin_routes(portal: PortalHarness) -> list[tuple[str, str]]:
    """Every (method, path) under /admin, path parameters filled with existing ids."""
    with portal.context.db.session() as session:
        key_id = tenancy.list_keys(session)[0].id
    fill = {"{user_id}": portal.users["submitter"], "{key_id}": key_id}
    routes = []
    for route in portal_routes(portal.app):
        if route.path.startswith("/admin"):
            path = route.path
            for placeholder, value in fill.items():
                path = path.replace(placeholder, value)
            assert "{" not in path, f"no test value for {route.path}"
            routes += [(method, path) for method in sorted(route.methods or ())]
    return routes


def soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def table_column(html: str, table_id: str) -> list[str]:
    """The row headers (first column) of table ``table_id``."""
    table = soup(html).find("table", id=table_id)
    assert table is not None, table_id
    return [th.get_text(strip=True) for th in table.select("tbody th[scope=row]")]


def test_every_admin_route_refuses_everyone_else(portal: PortalHarness) -> None:
    routes = admin_routes(portal)
    paths = {path for _, path in routes}
    assert {"/admin", "/admin/organisations", "/admin/networks", "/admin/users"} <= paths
    assert "/admin/keys" in paths
    for who in NON_ADMINS:
        client = portal.sign_in(who)
        for method, path in routes:
            if method == "GET":
                response = client.get(path)
            else:
                response = portal.post_form(client, path, {"organisation_id": "x", "name": "X"})
            assert response.status_code == 403, (who, method, path)
            assert "text/html" in response.headers["content-type"]
    anonymous = portal.client()
    for method, path in routes:
        if method == "GET":
            response = anonymous.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/sign-in")
    with portal.context.db.session() as session:
        assert [o.id for o in tenancy.list_organisations(session)] == ["org-a", "org-b"]


def test_admin_pages_stay_out_of_the_api_schema(portal: PortalHarness) -> None:
    paths = portal.api.get("/openapi.json").json()["paths"]
    assert not [path for path in paths if path.startswith("/admin")]


def test_admin_home_counts(portal: PortalHarness) -> None:
    client = portal.sign_in("admin")
    page = soup(client.get("/admin").text)
    counts = [c.get_text(strip=True) for c in page.select(".count")]
    # Two organisations, one network, five users; five keys, none revoked.
    assert counts == ["(2)", "(1)", "(5)", "(5 active)"]


def test_an_organisation_made_on_the_page_is_the_api_s(portal: PortalHarness) -> None:
    client = portal.sign_in("admin")
    response = portal.post_form(
        client,
        "/admin/organisations",
        {
            "organisation_id": "org-new",
            "name": "New Org",
            "organisation_type": "charity",
            "region": "london",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/organisations"
    listed = portal.api.get("/v1/organisations", headers=portal.auth("admin")).json()
    new = next(o for o in listed if o["id"] == "org-new")
    assert (new["name"], new["organisation_type"], new["region"]) == (
        "New Org",
        "charity",
        "london",
    )
    page = client.get("/admin/organisations")
    assert "Organisation New Org (org-new) registered." in page.text  # the flash, once
    assert table_column(page.text, "organisations") == [o["id"] for o in listed]
    assert "registered." not in client.get("/admin/organisations").text
    with portal.context.db.session() as session:
        events = audit.query(session, action="organisation.created")
        assert [e.actor for e in events if e.target == "org-new"] == [portal.users["admin"]]


def test_an_organisation_made_by_the_cli_is_listed_on_the_page(portal: PortalHarness) -> None:
    url = portal.settings.resolved_database_url()
    result = CliRunner().invoke(
        cli,
        ["admin", "create-org", "--id", "org-cli", "--name", "By CLI", "--database-url", url],
    )
    assert result.exit_code == 0, result.output
    page = portal.sign_in("admin").get("/admin/organisations")
    assert table_column(page.text, "organisations") == ["org-a", "org-b", "org-cli"]


@pytest.mark.parametrize(
    ("form", "field", "message"),
    [
        ({"organisation_id": "org-a", "name": "Again"}, "organisation_id", "already exists"),
        ({"organisation_id": "bad id!", "name": "X"}, "organisation_id", "is not a valid"),
        ({"organisation_id": "org-c", "name": "  "}, "name", "1-200 characters"),
        (
            {"organisation_id": "org-c", "name": "C", "organisation_type": "castle"},
            "organisation_type",
            "'castle' is not a valid",
        ),
    ],
)
def test_organisation_form_errors_link_to_their_field(
    portal: PortalHarness, form: dict[str, str], field: str, message: str
) -> None:
    client = portal.sign_in("admin")
    response = portal.post_form(client, "/admin/organisations", form)
    assert response.status_code == 422
    page = soup(response.text)
    summary = page.select_one(".error-summary[role=alert]")
    assert summary is not None
    link = summary.find("a")
    assert link is not None and link["href"] == f"#{field}" and message in link.get_text()
    control = page.find(id=field)
    assert control is not None and control.get("aria-invalid") == "true"
    with portal.context.db.session() as session:
        assert [o.id for o in tenancy.list_organisations(session)] == ["org-a", "org-b"]


def test_networks_page_creates_and_counts_members(portal: PortalHarness) -> None:
    client = portal.sign_in("admin")
    response = portal.post_form(client, "/admin/networks", {"network_id": "net-2", "name": "Two"})
    assert response.status_code == 303
    page = client.get("/admin/networks").text
    assert table_column(page, "networks") == ["net-1", "net-2"]
    rows = soup(page).select("#networks tbody tr")
    assert [r.find_all("td")[1].get_text(strip=True) for r in rows] == ["2", "0"]
    with portal.context.db.session() as session:
        assert [(n.id, c) for n, c in tenancy.list_networks(session)] == [
            ("net-1", 2),
            ("net-2", 0),
        ]
    again = portal.post_form(client, "/admin/networks", {"network_id": "net-2", "name": "X"})
    assert again.status_code == 422 and "already exists" in again.text


def one_time_link(html: str) -> str:
    code = soup(html).select_one("code.secret")
    assert code is not None, "no one-time link on the page"
    return code.get_text(strip=True)


def test_invite_shows_the_link_once_and_the_link_works(portal: PortalHarness) -> None:
    client = portal.sign_in("admin")
    response = portal.post_form(
        client,
        "/admin/users",
        {
            "email": "New.Person@Example.org",
            "name": "New Person",
            "role": "submitter",
            "organisation_id": "org-b",
        },
    )
    assert response.status_code == 200
    link = one_time_link(response.text)
    base = portal.settings.public_url.rstrip("/")
    assert re.fullmatch(re.escape(base) + r"/invite/[A-Za-z0-9_-]{40,}", link)
    token_path = link.removeprefix(base)
    listing = client.get("/admin/users").text
    assert token_path not in listing  # shown once
    assert "new.person@example.org" in table_column(listing, "users")
    with portal.context.db.session() as session:
        user = session.query(User).filter_by(email="new.person@example.org").one()
        assert (user.role, user.organisation_id, user.activated_at) == ("submitter", "org-b", None)
    # The invitee opens the link in their own browser.
    assert portal.client().get(token_path).status_code == 200


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"email": "not-an-email", "role": "submitter", "organisation_id": "org-a"}, "email"),
        ({"email": "x@example.org", "role": "submitter"}, "organisation_id"),
        ({"email": "x@example.org", "role": "researcher", "network_id": "net-1"}, "project"),
        ({"email": email_of("analyst"), "role": "admin"}, "email"),
    ],
)
def test_invite_errors(portal: PortalHarness, form: dict[str, str], field: str) -> None:
    client = portal.sign_in("admin")
    response = portal.post_form(client, "/admin/users", form)
    assert response.status_code == 422
    link = soup(response.text).select_one(".error-summary a")
    assert link is not None and link["href"] == f"#{field}"
    assert soup(response.text).select_one("code.secret") is None


def test_sign_in_link_and_disable(portal: PortalHarness) -> None:
    admin = portal.sign_in("admin")
    analyst = portal.sign_in("analyst")
    user_id = portal.users["analyst"]
    response = portal.post_form(admin, f"/admin/users/{user_id}/sign-in-link")
    assert response.status_code == 200
    link = one_time_link(response.text)
    assert "/sign-in/link/" in link
    assert admin.get(link.removeprefix(portal.settings.public_url.rstrip("/"))).status_code == 200

    assert analyst.get("/account").status_code == 200
    disabled = portal.post_form(admin, f"/admin/users/{user_id}/disable")
    assert disabled.status_code == 303
    assert "can no longer sign in" in admin.get("/admin/users").text
    # Their open session ended, and they cannot sign in again.
    assert analyst.get("/account").status_code == 303
    assert portal.submit_sign_in(portal.client(), email_of("analyst"), "x" * 20).status_code != 303
    refused = portal.post_form(admin, f"/admin/users/{user_id}/sign-in-link")
    assert refused.status_code == 303
    assert "disabled" in admin.get("/admin/users").text


def test_key_made_on_the_page_works_once_shown_and_revoked(portal: PortalHarness) -> None:
    client = portal.sign_in("admin")
    response = portal.post_form(
        client,
        "/admin/keys",
        {"role": "network-analyst", "network_id": "net-1", "label": "analysis laptop"},
    )
    assert response.status_code == 200
    secret = one_time_link(response.text)
    assert secret.startswith("pbk_")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert portal.api.get("/v1/benchmarks", headers=bearer).status_code == 200
    listing = client.get("/admin/keys").text
    assert secret not in listing
    api_keys = portal.api.get("/v1/keys", headers=portal.auth("admin")).json()
    assert table_column(listing, "keys") == [k["id"] for k in api_keys]
    new_id = next(k["id"] for k in api_keys if k["label"] == "analysis laptop")

    revoked = portal.post_form(client, f"/admin/keys/{new_id}/revoke")
    assert revoked.status_code == 303
    assert portal.api.get("/v1/benchmarks", headers=bearer).status_code == 401
    api_key = next(
        k
        for k in portal.api.get("/v1/keys", headers=portal.auth("admin")).json()
        if k["id"] == new_id
    )
    assert api_key["revoked_at"] is not None


def test_key_form_errors(portal: PortalHarness) -> None:
    client = portal.sign_in("admin")
    response = portal.post_form(client, "/admin/keys", {"role": "submitter"})
    assert response.status_code == 422
    link = soup(response.text).select_one(".error-summary a")
    assert link is not None and link["href"] == "#organisation_id"
    response = portal.post_form(client, "/admin/keys", {"role": "owner"})
    assert response.status_code == 422
    link = soup(response.text).select_one(".error-summary a")
    assert link is not None and link["href"] == "#role"


def test_users_page_and_cli_list_the_same_people_and_states(portal: PortalHarness) -> None:
    client = portal.sign_in("admin")
    portal.post_form(
        client,
        "/admin/users",
        {"email": "pending@example.org", "role": "network-analyst", "network_id": "net-1"},
    )
    portal.post_form(client, f"/admin/users/{portal.users['submitter-b']}/disable")
    url = portal.settings.resolved_database_url()
    result = CliRunner().invoke(
        cli, ["admin", "list-users", "--format", "json", "--database-url", url]
    )
    assert result.exit_code == 0, result.output
    listed = {u["email"]: u["status"] for u in json.loads(result.output)}
    rows = soup(client.get("/admin/users").text).select("#users tbody tr")
    shown = {
        row.select("th")[0].get_text(strip=True): row.select("td")[3].get_text(strip=True).lower()
        for row in rows
    }
    assert shown == listed
    assert shown["pending@example.org"] == "pending"
    assert shown[email_of("submitter-b")] == "disabled"


def test_links_in_the_admin_tables_open_for_an_admin(portal: PortalHarness) -> None:
    client = portal.sign_in("admin")
    links = [
        str(a["href"])
        for listing in ("/admin/organisations", "/admin/networks")
        for a in soup(client.get(listing).text).select("table a[href]")
    ]
    assert {"/o/org-a", "/o/org-b", "/n/net-1", "/n/net-1/members"} <= set(links)
    for link in links:
        assert client.get(link).status_code == 200, link
