"""One-time links in the browser: a GET shows a page and never uses the token."""

from __future__ import annotations

from peerbench.server import audit
from peerbench.server.accounts import invite_user, issue_sign_in_link
from peerbench.server.db.models import Role
from tests.portal.harness import PortalHarness

NEW_PASSWORD = "a fresh long passphrase"


def _invite(portal: PortalHarness) -> str:
    with portal.context.db.session() as session:
        _user, token = invite_user(
            session,
            email="new.person@example.org",
            role=Role.SUBMITTER,
            organisation_id="org-b",
            actor=portal.users["admin"],
            now=portal.clock(),
        )
    return token


def test_an_invite_sets_a_password_and_signs_in(portal_sqlite: PortalHarness) -> None:
    token = _invite(portal_sqlite)
    client = portal_sqlite.client()
    for _ in range(2):  # a scanner's GET, then the person's: both see the form
        page = client.get(f"/invite/{token}")
        assert page.status_code == 200 and "new.person@example.org" in page.text
    mismatch = portal_sqlite.post_form(
        client,
        f"/invite/{token}",
        {"name": "New Person", "password": NEW_PASSWORD, "password_again": "something else"},
    )
    assert mismatch.status_code == 400 and 'href="#password_again"' in mismatch.text
    short = portal_sqlite.post_form(
        client, f"/invite/{token}", {"name": "", "password": "short", "password_again": "short"}
    )
    assert short.status_code == 400
    assert 'href="#name"' in short.text and "at least 12 characters" in short.text
    accepted = portal_sqlite.post_form(
        client,
        f"/invite/{token}",
        {"name": "New Person", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert accepted.status_code == 303 and accepted.headers["location"] == "/o/org-b"
    assert "New Person" in client.get("/account").text
    again = portal_sqlite.client()
    assert again.get(f"/invite/{token}").status_code == 410
    reuse = portal_sqlite.post_form(
        again,
        f"/invite/{token}",
        {"name": "Eve", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD},
    )
    assert reuse.status_code == 410 and "no longer works" in reuse.text
    fresh = portal_sqlite.client()
    signed_in = portal_sqlite.submit_sign_in(fresh, "new.person@example.org", NEW_PASSWORD)
    assert signed_in.status_code == 303


def test_an_invite_expires_after_seven_days(portal_sqlite: PortalHarness) -> None:
    token = _invite(portal_sqlite)
    portal_sqlite.clock.advance(days=7)
    assert portal_sqlite.client().get(f"/invite/{token}").status_code == 410


def test_a_sign_in_link_is_used_only_by_its_button(portal_sqlite: PortalHarness) -> None:
    with portal_sqlite.context.db.session() as session:
        token = issue_sign_in_link(
            session, portal_sqlite.users["analyst"], actor="admin-cli", now=portal_sqlite.clock()
        )
    client = portal_sqlite.client()
    for _ in range(3):
        page = client.get(f"/sign-in/link/{token}")
        assert page.status_code == 200 and "analyst@example.org" in page.text
    used = portal_sqlite.post_form(client, f"/sign-in/link/{token}")
    assert used.status_code == 303 and used.headers["location"] == "/n/net-1"
    assert client.get("/account").status_code == 200
    other = portal_sqlite.client()
    assert portal_sqlite.post_form(other, f"/sign-in/link/{token}").status_code == 410
    with portal_sqlite.context.db.session() as session:
        [event] = audit.query(session, action="sign-in.succeeded")
        assert event.details["method"] == "link"
        reads = [e.target for e in audit.query(session, action="portal.read")]
        assert all(token not in (t or "") for t in reads)
