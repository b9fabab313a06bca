"""Signing in and out of the portal: cookies, lockout, expiry, sign out everywhere, audit."""

from __future__ import annotations

from http.cookies import SimpleCookie

from sqlalchemy import select

from peerbench.server import audit
from peerbench.server.db.models import AuditEvent
from tests.portal.harness import PASSWORD, PortalHarness, TestClient, email_of


def _set_cookie(headers: object, name: str) -> str:
    values = [v for v in headers.get_list("set-cookie") if v.startswith(f"{name}=")]  # type: ignore[attr-defined]
    assert len(values) == 1, values
    return str(values[0])


def test_the_session_cookie_is_httponly_secure_and_samesite_lax(portal: PortalHarness) -> None:
    client = portal.client()
    response = portal.submit_sign_in(client, email_of("submitter"), PASSWORD)
    assert response.status_code == 303 and response.headers["location"] == "/o/org-a"
    header = _set_cookie(response.headers, "pb_session")
    attributes = {part.strip().lower() for part in header.split(";")}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= attributes
    morsel = SimpleCookie(header)["pb_session"]
    assert len(morsel.value) >= 43


def test_the_pre_sign_in_csrf_cookie_is_httponly_and_strict(portal_sqlite: PortalHarness) -> None:
    response = portal_sqlite.client().get("/sign-in")
    attributes = {p.strip().lower() for p in _set_cookie(response.headers, "pb_csrf").split(";")}
    assert {"httponly", "secure", "samesite=strict", "path=/"} <= attributes


def test_a_wrong_password_shows_an_error_summary(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.client()
    response = portal_sqlite.submit_sign_in(client, email_of("submitter"), "not the password")
    assert response.status_code == 400
    assert 'role="alert"' in response.text and 'href="#email"' in response.text
    assert "<title>Error: Sign in" in response.text
    assert "The email address or password is not correct." in response.text
    assert "pb_session" not in response.headers.get("set-cookie", "")
    empty = portal_sqlite.submit_sign_in(client, "", "")
    assert empty.status_code == 400 and 'href="#password"' in empty.text


def test_lockout_after_five_failures_with_the_clock(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.client()
    email = email_of("analyst")
    statuses = []
    for _ in range(5):
        response = portal_sqlite.submit_sign_in(client, email, "wrong password!")
        statuses.append(response.status_code)
        portal_sqlite.clock.advance(minutes=1)
    assert statuses == [400] * 5
    assert "signing in is paused for 15 minutes" in response.text
    assert int(response.headers["retry-after"]) == 15 * 60
    refused = portal_sqlite.submit_sign_in(client, email, PASSWORD)
    assert refused.status_code == 400 and "paused" in refused.text
    portal_sqlite.clock.advance(minutes=15)
    assert portal_sqlite.submit_sign_in(client, email, PASSWORD).status_code == 303


def test_one_address_is_rate_limited(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.client()
    for i in range(30):
        portal_sqlite.submit_sign_in(client, f"guess{i}@example.org", "wrong password!")
    response = portal_sqlite.submit_sign_in(client, email_of("admin"), PASSWORD)
    assert response.status_code == 429 and int(response.headers["retry-after"]) == 900
    portal_sqlite.clock.advance(minutes=15)
    assert portal_sqlite.submit_sign_in(client, email_of("admin"), PASSWORD).status_code == 303


def test_next_returns_to_the_page_asked_for_but_never_off_site(
    portal_sqlite: PortalHarness,
) -> None:
    client = portal_sqlite.client()
    redirect = client.get("/account")
    assert redirect.status_code == 303 and redirect.headers["location"] == "/sign-in?next=/account"
    page = client.get(redirect.headers["location"])
    assert 'name="next" value="/account"' in page.text
    response = portal_sqlite.post_form(
        client,
        "/sign-in",
        {"email": email_of("researcher"), "password": PASSWORD, "next": "/account"},
    )
    assert response.headers["location"] == "/account"
    other = portal_sqlite.client()
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = portal_sqlite.post_form(
            other,
            "/sign-in",
            {"email": email_of("researcher"), "password": PASSWORD, "next": target},
        )
        assert response.headers["location"] == "/research", target


def test_sign_out_ends_only_this_browser(portal_sqlite: PortalHarness) -> None:
    first, second = portal_sqlite.sign_in("admin"), portal_sqlite.sign_in("admin")
    response = portal_sqlite.post_form(first, "/sign-out")
    assert response.headers["location"] == "/sign-in?signed_out=1"
    assert "pb_session=" in response.headers["set-cookie"]  # deleted
    assert first.get("/account").status_code == 303
    assert second.get("/account").status_code == 200
    assert "You have signed out." in first.get("/sign-in?signed_out=1").text


def test_sign_out_everywhere_revokes_every_session(portal_sqlite: PortalHarness) -> None:
    browsers = [portal_sqlite.sign_in("submitter") for _ in range(3)]
    other_user = portal_sqlite.sign_in("submitter-b")
    assert "signed in on 3 devices" in browsers[0].get("/account").text
    response = portal_sqlite.post_form(browsers[0], "/sign-out-everywhere")
    assert response.headers["location"] == "/sign-in?signed_out=everywhere"
    for browser in browsers:
        assert browser.get("/account").headers["location"] == "/sign-in?next=/account"
    assert other_user.get("/account").status_code == 200


def test_an_idle_session_redirects_to_sign_in(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("researcher")
    portal_sqlite.clock.advance(hours=7, minutes=59)
    assert client.get("/account").status_code == 200
    portal_sqlite.clock.advance(hours=8)
    response = client.get("/account")
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/account"


def test_an_active_session_ends_after_seven_days(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("researcher")
    for _ in range(23):  # every 7 hours for 161 hours
        portal_sqlite.clock.advance(hours=7)
        assert client.get("/account").status_code == 200
    portal_sqlite.clock.advance(hours=7)  # 168 hours: the absolute limit
    assert client.get("/account").status_code == 303


def test_sign_ins_and_page_reads_are_audited(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("submitter")
    portal_sqlite.submit_sign_in(portal_sqlite.client(), email_of("submitter"), "wrong password!")
    client.get("/account?email=someone@example.org")
    with portal_sqlite.context.db.session() as session:
        [succeeded] = audit.query(session, action="sign-in.succeeded")
        assert succeeded.actor == portal_sqlite.users["submitter"]
        assert succeeded.details["method"] == "password"
        [failed] = audit.query(session, action="sign-in.failed")
        assert failed.details["reason"] == "invalid"
        reads = audit.query(session, action="portal.read")
        assert [(r.actor, r.target, r.organisation_id) for r in reads] == [
            (portal_sqlite.users["submitter"], "/account", "org-a")
        ]
        texts = [str(e.details) + str(e.target) for e in session.scalars(select(AuditEvent))]
        assert not any("someone@example.org" in t or PASSWORD in t for t in texts)


def test_signed_in_people_skip_the_sign_in_page(portal_sqlite: PortalHarness) -> None:
    client = portal_sqlite.sign_in("analyst")
    assert client.get("/sign-in").headers["location"] == "/n/net-1"
    anonymous = portal_sqlite.client().get("/")
    assert anonymous.status_code == 200 and 'href="/sign-in"' in anonymous.text


def test_plain_http_off_the_loopback_address_is_explained(portal_sqlite: PortalHarness) -> None:
    warning = "your browser will not keep you signed in"
    assert warning not in portal_sqlite.client().get("/sign-in").text  # https://testserver
    plain = TestClient(portal_sqlite.app, base_url="http://pb.example.org")
    assert warning in plain.get("/sign-in").text
    local = TestClient(portal_sqlite.app, base_url="http://127.0.0.1:8000")
    assert warning not in local.get("/sign-in").text
