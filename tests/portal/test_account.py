"""``/account``: name, password, sessions, and API keys of one's own scope."""

from __future__ import annotations

import re

from peerbench.server import audit
from tests.portal.harness import PASSWORD, PortalHarness, email_of

NEW_PASSWORD = "another long passphrase"
REVOKE = r'action="/account/keys/(key_[0-9a-f]+)/revoke"'


def test_a_key_is_created_in_the_users_scope_and_shown_once(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("submitter")
    created = portal_sqlite.post_form(client, "/account/keys", {"label": "laptop"})
    assert created.status_code == 200
    secret = re.search(r'id="new-secret">(pbk_[^<]+)<', created.text)
    assert secret is not None
    api = portal_sqlite.api
    headers = {"Authorization": f"Bearer {secret.group(1)}"}
    assert api.get("/v1/submissions", headers=headers).status_code == 200
    assert api.get("/v1/keys", headers=headers).status_code == 403  # a submitter's key
    page = client.get("/account")
    assert secret.group(1) not in page.text and "laptop" in page.text
    with portal_sqlite.context.db.session() as session:
        [event] = audit.query(session, action="key.created", organisation_id="org-a")[:1]
        assert event.actor == portal_sqlite.users["submitter"]


def test_keys_can_be_revoked_only_within_ones_scope(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("submitter")
    page = client.get("/account").text
    own = re.findall(REVOKE, page)
    assert len(own) == 1  # the seeded org-a submitter key
    other = portal_sqlite.sign_in("submitter-b")
    theirs = re.findall(
        r'action="/account/keys/(key_[0-9a-f]+)/revoke"', other.get("/account").text
    )
    refused = portal_sqlite.post_form(client, f"/account/keys/{theirs[0]}/revoke")
    assert refused.status_code == 303
    assert "no such key among yours" in client.get("/account").text
    headers = portal_sqlite.auth("submitter-b")
    assert portal_sqlite.api.get("/v1/submissions", headers=headers).status_code == 200
    portal_sqlite.post_form(client, f"/account/keys/{own[0]}/revoke")
    assert "has been revoked" in client.get("/account").text
    headers = portal_sqlite.auth("submitter")
    assert portal_sqlite.api.get("/v1/submissions", headers=headers).status_code == 401


def test_changing_the_password(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("researcher")
    wrong = portal_sqlite.post_form(
        client,
        "/account/password",
        {
            "current_password": "not it at all",
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert wrong.status_code == 400 and 'href="#current_password"' in wrong.text
    changed = portal_sqlite.post_form(
        client,
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password_again": NEW_PASSWORD,
        },
    )
    assert changed.status_code == 303
    assert "Your password has been changed." in client.get("/account").text
    fresh = portal_sqlite.client()
    assert portal_sqlite.submit_sign_in(fresh, email_of("researcher"), PASSWORD).status_code == 400
    assert (
        portal_sqlite.submit_sign_in(fresh, email_of("researcher"), NEW_PASSWORD).status_code == 303
    )


def test_changing_the_name(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("analyst")
    assert portal_sqlite.post_form(client, "/account/name", {"name": ""}).status_code == 400
    portal_sqlite.post_form(client, "/account/name", {"name": "Alex Analyst"})
    page = client.get("/account").text
    assert 'class="site-user__name">Alex Analyst<' in page
    assert "Your name has been changed." in page
    assert "Your name has been changed." not in client.get("/account").text  # shown once


def test_a_message_survives_a_redirect_and_is_shown_once(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("admin")
    portal_sqlite.post_form(client, "/account/name", {"name": "Ada"})
    assert client.get("/").status_code == 303  # "/" redirects home: nothing is shown yet
    assert "Your name has been changed." in client.get("/account").text
    assert "Your name has been changed." not in client.get("/account").text
