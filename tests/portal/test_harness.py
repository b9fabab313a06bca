"""The portal harness itself works: sign-in via the real form, CSRF tokens, API keys."""

from __future__ import annotations

from tests.portal.harness import USERS, PortalHarness


def test_every_seeded_user_signs_in_and_lands_on_their_home(portal: PortalHarness) -> None:
    homes = {
        "submitter": "/o/org-a",
        "submitter-b": "/o/org-b",
        "analyst": "/n/net-1",
        "researcher": "/research",
        "admin": "/admin",
    }
    assert set(homes) == set(USERS)
    for who, home in homes.items():
        client = portal.sign_in(who)
        assert client.get("/").headers["location"] == home
        assert len(portal.csrf_token(client)) >= 40


def test_signed_in_forms_carry_the_session_token(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("submitter")
    response = portal_sqlite.post_form(client, "/sign-out")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?signed_out=1"
    assert client.get("/").status_code == 200  # anonymous again: the landing page


def test_api_keys_are_seeded_per_user(portal_sqlite: PortalHarness) -> None:
    response = portal_sqlite.api.get("/v1/organisations", headers=portal_sqlite.auth("admin"))
    assert response.status_code == 200, response.text
    refused = portal_sqlite.api.get("/v1/organisations", headers=portal_sqlite.auth("submitter"))
    assert refused.status_code == 403
