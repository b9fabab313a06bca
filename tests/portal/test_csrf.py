"""CSRF: every state-changing portal route refuses a missing or wrong token with 403.

The routes are enumerated from the app, so pages added later are covered without
changing this test.
"""

from __future__ import annotations

import re

import pytest

from peerbench.portal.deps import verify_csrf
from tests.portal.harness import PASSWORD, PortalHarness, email_of, portal_routes

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
SAMPLE_PARAMS = {"organisation_id": "org-a", "network_id": "net-1"}


def portal_write_routes(portal: PortalHarness) -> list[tuple[str, str]]:
    """``(method, path)`` of every non-API route that changes state, with sample ids."""
    found: list[tuple[str, str]] = []
    for route in portal_routes(portal.app):
        path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "x"), route.path)
        found.extend((method, path) for method in sorted((route.methods or set()) & UNSAFE))
    return found


def test_the_enumeration_finds_the_routes(portal_sqlite: PortalHarness) -> None:
    routes = portal_write_routes(portal_sqlite)
    for expected in [("POST", "/sign-in"), ("POST", "/sign-out"), ("POST", "/account/keys")]:
        assert expected in routes
    assert not any(path.startswith("/v1") for _method, path in routes)


def test_every_portal_router_declares_the_csrf_check(portal_sqlite: PortalHarness) -> None:
    routes = portal_routes(portal_sqlite.app)
    assert len(routes) >= 10
    for route in routes:
        calls = {d.call for d in route.dependant.dependencies}
        assert verify_csrf in calls, route.path


@pytest.mark.parametrize("who", ["admin", "submitter", None])
def test_missing_or_wrong_csrf_is_refused_everywhere(
    portal_sqlite: PortalHarness, who: str | None
) -> None:
    client = portal_sqlite.sign_in(who) if who else portal_sqlite.client()
    right = portal_sqlite.csrf_token(client)  # also sets pb_csrf for the anonymous client
    routes = portal_write_routes(portal_sqlite)
    for method, path in routes:
        for token in (None, "", "wrong-" + right[6:], right + "x"):
            data = {"email": email_of("admin"), "password": PASSWORD}
            if token is not None:
                data["csrf_token"] = token
            response = client.request(method, path, data=data)
            assert response.status_code == 403, (method, path, token, response.status_code)
            assert "This form has expired or did not come from this site" in response.text
        wrong_header = client.request(method, path, headers={"X-CSRF-Token": "nope"})
        assert wrong_header.status_code == 403, (method, path)
    # Nothing was done by any refused request: the session still works, no one signed in.
    if who:
        assert client.get("/account").status_code == 200


def test_the_right_token_passes(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("submitter")
    header = client.post(
        "/account/keys", headers={"X-CSRF-Token": portal_sqlite.csrf_token(client)}
    )
    assert header.status_code == 200 and "Your new API key" in header.text
    form = portal_sqlite.post_form(client, "/sign-out")
    assert form.status_code == 303


def test_another_sessions_token_is_wrong(portal_sqlite: PortalHarness) -> None:
    mine, theirs = portal_sqlite.sign_in("submitter"), portal_sqlite.sign_in("submitter")
    response = mine.post("/sign-out", data={"csrf_token": portal_sqlite.csrf_token(theirs)})
    assert response.status_code == 403


def test_the_pre_sign_in_token_must_match_its_cookie(portal_sqlite: PortalHarness) -> None:
    attacker, victim = portal_sqlite.client(), portal_sqlite.client()
    token = portal_sqlite.csrf_token(attacker)
    portal_sqlite.csrf_token(victim)  # the victim has their own pb_csrf cookie
    response = victim.post(
        "/sign-in",
        data={"email": email_of("admin"), "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 403


def test_the_json_api_needs_no_csrf_token(portal_sqlite: PortalHarness) -> None:
    response = portal_sqlite.api.post(
        "/v1/networks",
        json={"id": "net-2", "name": "Two"},
        headers=portal_sqlite.auth("admin"),
    )
    assert response.status_code == 201, response.text
