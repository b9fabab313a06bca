"""An in-process portal for tests: seeded organisations, a network, a user per role.

Seeded (see :func:`seed_portal`):

* organisations ``org-a`` and ``org-b``, both members of network ``net-1`` (agreements
  from 2020-01-01);
* users (key of :attr:`PortalHarness.users`): ``submitter`` (org-a), ``submitter-b``
  (org-b), ``analyst`` (net-1), ``researcher`` (net-1, project ``study-1``), ``admin``;
  all with the password :data:`PASSWORD`, emails ``<who>@example.org``;
* an API key per user (:attr:`PortalHarness.keys`, same names), so a test can compare a
  page with the JSON API (``harness.api.get(url, headers=harness.auth("analyst"))``).

Time is a :class:`FakeClock` (``harness.clock.advance(minutes=16)``); the server's
``today`` follows it. Clients talk to ``https://testserver`` so Secure cookies are sent.

Example:
    >>> client = portal.sign_in("submitter")  # doctest: +SKIP
    >>> client.get("/o/org-a").status_code  # doctest: +SKIP
    >>> portal.post_form(client, "/sign-out", {})  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.exceptions import StarletteDeprecationWarning

from peerbench.api.app import create_app
from peerbench.server.accounts import hash_password
from peerbench.server.context import ServerContext, open_server
from peerbench.server.db.models import Role, User, WebSession
from peerbench.server.settings import Settings
from peerbench.server.tenancy import add_member, create_key, create_network, create_organisation
from peerbench.server.web_sessions import token_hash
from tests.server.migrated import upgrade_empty

with warnings.catch_warnings():
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from fastapi.testclient import TestClient

__all__ = [
    "BASE_URL",
    "NETWORK",
    "ORG_A",
    "ORG_B",
    "PASSWORD",
    "PROJECT",
    "USERS",
    "FakeClock",
    "PortalHarness",
    "TestClient",
    "app_routes",
    "csrf_from_html",
    "email_of",
    "portal_routes",
    "running_portal",
    "seed_portal",
]

BASE_URL = "https://testserver"
PASSWORD = "correct-horse-battery-staple"
"""Every seeded user's password (12+ characters)."""
ORG_A = "org-a"
ORG_B = "org-b"
NETWORK = "net-1"
PROJECT = "study-1"
START = dt.datetime(2026, 11, 16, 9, 0, tzinfo=dt.UTC)
"""The fake clock's first reading (a Monday in 2026-Q4)."""

USERS: dict[str, dict[str, Any]] = {
    "submitter": {"role": Role.SUBMITTER, "organisation_id": ORG_A},
    "submitter-b": {"role": Role.SUBMITTER, "organisation_id": ORG_B},
    "analyst": {"role": Role.NETWORK_ANALYST, "network_id": NETWORK},
    "researcher": {"role": Role.RESEARCHER, "network_id": NETWORK, "project": PROJECT},
    "admin": {"role": Role.ADMIN},
}
"""The seeded users by name, with their scopes."""

_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class FakeClock:
    """A settable clock: ``clock()`` is the current time; ``advance(...)`` moves it on."""

    current: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.current

    def advance(self, **delta: float) -> dt.datetime:
        """Move on by ``dt.timedelta(**delta)``; the new time."""
        self.current += dt.timedelta(**delta)
        return self.current


@functools.cache
def password_hash() -> str:
    """:data:`PASSWORD` hashed once per test run (Argon2id is deliberately slow)."""
    return hash_password(PASSWORD)


def email_of(who: str) -> str:
    """The seeded email of user ``who``."""
    return f"{who}@example.org"


def seed_portal(context: ServerContext, now: dt.datetime) -> tuple[dict[str, str], dict[str, str]]:
    """Create the organisations, the network, the users and their keys.

    Returns:
        ``({who: user id}, {who: API key secret})``.
    """
    users: dict[str, str] = {}
    keys: dict[str, str] = {}
    with context.db.session() as session:
        for org in (ORG_A, ORG_B):
            create_organisation(session, id=org, name=f"Organisation {org[-1].upper()}")
        create_network(session, id=NETWORK, name="Network One")
        for org in (ORG_A, ORG_B):
            add_member(
                session,
                network_id=NETWORK,
                organisation_id=org,
                agreement_reference="DSA-1",
                agreement_start=dt.date(2020, 1, 1),
            )
        for who, scope in USERS.items():
            user = User(
                id=f"usr_{who.replace('-', '')}",
                email=email_of(who),
                name=who.replace("-", " ").title(),
                role=Role(scope["role"]).value,
                organisation_id=scope.get("organisation_id"),
                network_id=scope.get("network_id"),
                project=scope.get("project"),
                password_hash=password_hash(),
                created_at=now,
                activated_at=now,
                failed_sign_ins=0,
            )
            session.add(user)
            users[who] = user.id
            keys[who] = create_key(session, label=who, **scope)[1]
    return users, keys


@dataclass
class PortalHarness:
    """The app, its context and settings, the fake clock, and the seeded users."""

    app: FastAPI
    api: TestClient
    """An anonymous client (the one that started the app); use it for the JSON API."""
    context: ServerContext
    settings: Settings
    clock: FakeClock
    users: dict[str, str] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)

    def client(self) -> TestClient:
        """A new anonymous browser (its own cookie jar), following no redirects."""
        return TestClient(self.app, base_url=BASE_URL, follow_redirects=False)

    def auth(self, who: str) -> dict[str, str]:
        """The Authorization header of ``who``'s API key."""
        return {"Authorization": f"Bearer {self.keys[who]}"}

    def sign_in(self, who: str, password: str = PASSWORD) -> TestClient:
        """A browser signed in as seeded user ``who`` (or any email), via the real form."""
        client = self.client()
        response = self.submit_sign_in(client, email_of(who) if who in USERS else who, password)
        assert response.status_code == 303, response.text
        assert client.cookies.get("pb_session"), "no session cookie after sign-in"
        return client

    def submit_sign_in(self, client: TestClient, email: str, password: str) -> httpx.Response:
        """GET the sign-in form and POST it (with its CSRF token); the POST's response."""
        page = client.get("/sign-in")
        response: httpx.Response = client.post(
            "/sign-in",
            data={"email": email, "password": password, "csrf_token": csrf_from_html(page.text)},
        )
        return response

    def csrf_token(self, client: TestClient) -> str:
        """The CSRF token ``client``'s forms must carry (session's, or ``pb_csrf``)."""
        cookie = client.cookies.get("pb_session")
        if cookie:
            with self.context.db.session() as session:
                web_session = session.get(WebSession, token_hash(cookie))
                assert web_session is not None, "the client's session is unknown"
                return web_session.csrf_token
        token = client.cookies.get("pb_csrf")
        if not token:
            token = csrf_from_html(client.get("/sign-in").text)
        return str(token)

    def post_form(
        self,
        client: TestClient,
        url: str,
        data: Mapping[str, Any] | None = None,
        *,
        files: Any = None,
    ) -> httpx.Response:
        """POST a form as the page would: with the client's CSRF token added."""
        body = {**(data or {}), "csrf_token": self.csrf_token(client)}
        response: httpx.Response = client.post(url, data=body, files=files)
        return response


def app_routes(app: FastAPI) -> list[APIRoute]:
    """Every ``APIRoute`` of ``app``, including those of included routers.

    FastAPI (0.16x) keeps included routers as branches of ``app.routes``; their routes'
    paths already carry the router's own prefix (``install_portal`` adds none).
    """
    found: list[APIRoute] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append(route)
            elif hasattr(route, "original_router"):
                walk(list(route.original_router.routes))

    walk(list(app.routes))
    return found


def portal_routes(app: FastAPI) -> list[APIRoute]:
    """The portal's routes (everything outside the JSON API's ``/v1``)."""
    return [r for r in app_routes(app) if not r.path.startswith("/v1")]


def csrf_from_html(html: str) -> str:
    """The first CSRF token in a page's forms."""
    match = _CSRF_INPUT.search(html)
    assert match, "the page has no form with a csrf_token"
    return match.group(1)


@contextmanager
def running_portal(database_url: str, data_dir: Path, **overrides: Any) -> Iterator[PortalHarness]:
    """Migrate, seed and start the app in-process; stop it afterwards."""
    upgrade_empty(database_url)  # a copy of a migrated database when empty
    settings = Settings.model_validate(
        {"data_dir": data_dir, "database_url": database_url, **overrides}
    )
    clock = FakeClock()
    context = open_server(settings, today=lambda: clock().date(), now=clock)
    try:
        users, keys = seed_portal(context, clock())
        app = create_app(settings, context=context)
        with TestClient(app, base_url=BASE_URL, follow_redirects=False) as api:
            yield PortalHarness(app, api, context, settings, clock, users, keys)
    finally:
        context.close()
