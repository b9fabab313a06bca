"""Starting and ending a browser's session: the ``pb_session`` cookie and where to go next."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from peerbench.portal.templating import SESSION_COOKIE, home_path
from peerbench.server.context import ServerContext
from peerbench.server.db.models import User
from peerbench.server.web_sessions import start_session


def safe_next(next_path: str | None) -> str | None:
    """``next_path`` if it is a path on this site, else ``None`` (no open redirects)."""
    if not next_path or not next_path.startswith("/") or next_path.startswith("//"):
        return None
    if "\\" in next_path or any(ord(c) < 32 for c in next_path):
        return None
    parts = urlsplit(next_path)
    if parts.scheme or parts.netloc:
        return None
    return next_path


LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})


def insecure_cookie_warning(request: Request, *, cookie_secure: bool) -> str | None:
    """Why signing in cannot work at this address, or ``None`` when it can.

    A ``Secure`` cookie is dropped by browsers on plain HTTP, except on the machine's own
    loopback address; say so instead of silently returning to the sign-in page.
    """
    if not cookie_secure or request.url.scheme == "https":
        return None
    if (request.url.hostname or "") in LOOPBACK_HOSTS:
        return None
    return (
        "This server is reached over plain HTTP, so your browser will not keep you signed "
        "in. Use its https:// address, or ask the administrator (for a test server only: "
        "PEERBENCH_COOKIE_SECURE=false)."
    )


def client_address(request: Request) -> str:
    """The client's network address as the server sees it (for sign-in rate limits).

    Behind a reverse proxy this is the proxy's address unless the server runs with
    ``--proxy-headers`` (uvicorn), which makes it the forwarded one.
    """
    return request.client.host if request.client else "unknown"


def signed_in_redirect(
    request: Request,
    ctx: ServerContext,
    session: Session,
    user: User,
    next_path: str | None = None,
) -> RedirectResponse:
    """Open a session for ``user`` and redirect (303) to ``next_path`` or their home page.

    A new session token is issued at every sign-in (no session fixation).
    """
    settings = ctx.settings
    lifetime = dt.timedelta(days=settings.session_max_days)
    token, _web_session = start_session(session, user, now=ctx.now(), max_lifetime=lifetime)
    response = RedirectResponse(safe_next(next_path) or home_path(user), status_code=303)
    set_session_cookie(response, token, secure=settings.cookie_secure, max_age=lifetime)
    return response


def set_session_cookie(
    response: RedirectResponse, token: str, *, secure: bool, max_age: dt.timedelta
) -> None:
    """``pb_session``: HttpOnly (no script can read it), Secure, SameSite=Lax, Path=/."""
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(max_age.total_seconds()),
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


def clear_session_cookie(response: RedirectResponse, *, secure: bool) -> None:
    """Tell the browser to forget ``pb_session``."""
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")
