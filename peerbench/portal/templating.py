"""One Jinja2 environment for every portal page, and the context every page gets.

:func:`render` adds ``user``, ``csrf_token``, ``nav`` (the links for the user's role),
``flashes`` (messages left by the previous request, shown once) and ``title``, and sets
the security headers of every portal page. :func:`flash` leaves a message for the next
page (e.g. after a POST that redirects).
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from peerbench import __version__
from peerbench.server.db.models import Role, User, WebSession
from peerbench.server.web_sessions import new_token, pop_flashes, push_flash

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
PRODUCT_NAME = "peerbench"
CSRF_COOKIE = "pb_csrf"
"""Double-submit cookie protecting the forms shown before sign-in."""
SESSION_COOKIE = "pb_session"

templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["product_name"] = PRODUCT_NAME
templates.env.globals["version"] = __version__


def error_for(errors: list[dict[str, str]] | None, field_id: str) -> str | None:
    """The text of the first error about ``field_id`` (for ``field(..., error=...)``)."""
    for error in errors or []:
        if error.get("field_id") == field_id:
            return error.get("text")
    return None


templates.env.globals["error_for"] = error_for

_page_csrf: ContextVar[str] = ContextVar("portal_page_csrf", default="")
"""The CSRF token of the page being rendered, so ``_macros.csrf()`` works even when the
macros are imported without the page's context."""


def page_csrf_token() -> str:
    """The CSRF token of the page being rendered (for the ``csrf()`` macro)."""
    return _page_csrf.get()


templates.env.globals["page_csrf_token"] = page_csrf_token

SECURITY_HEADERS = {
    # Scripts and styles only from this app; no framing; links carry no referrer
    # outside the site (invite and sign-in URLs hold tokens).
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class NavLink:
    """One link of the main navigation."""

    href: str
    label: str


def home_path(user: User) -> str:
    """Where a signed-in person starts: their organisation, network, research or admin."""
    if user.role == Role.SUBMITTER.value and user.organisation_id:
        return f"/o/{user.organisation_id}"
    if user.role == Role.NETWORK_ANALYST.value and user.network_id:
        return f"/n/{user.network_id}"
    if user.role == Role.RESEARCHER.value:
        return "/research"
    if user.role == Role.ADMIN.value:
        return "/admin"
    return "/account"


def nav_links(user: User | None) -> list[NavLink]:
    """The main navigation for ``user``'s role (empty when nobody is signed in)."""
    if user is None:
        return []
    links: list[NavLink] = []
    if user.role == Role.SUBMITTER.value and user.organisation_id:
        base = f"/o/{user.organisation_id}"
        links = [
            NavLink(base, "Home"),
            NavLink(f"{base}/upload", "Upload"),
            NavLink(f"{base}/submissions", "Submissions"),
            NavLink(f"{base}/report", "Report"),
            NavLink(f"{base}/mappings", "Saved mappings"),
        ]
    elif user.role == Role.NETWORK_ANALYST.value and user.network_id:
        base = f"/n/{user.network_id}"
        links = [
            NavLink(base, "Coverage"),
            NavLink(f"{base}/benchmarks", "Benchmarks"),
            NavLink(f"{base}/what-works", "What works"),
            NavLink(f"{base}/reports", "Reports"),
            NavLink(f"{base}/members", "Members"),
        ]
    elif user.role == Role.RESEARCHER.value:
        links = [
            NavLink("/research", "Research"),
            NavLink("/research/dictionary", "Data dictionary"),
            NavLink("/research/extracts", "Extracts"),
        ]
    elif user.role == Role.ADMIN.value:
        links = [
            NavLink("/admin", "Admin"),
            NavLink("/admin/organisations", "Organisations"),
            NavLink("/admin/networks", "Networks"),
            NavLink("/admin/users", "Users"),
            NavLink("/admin/keys", "Keys"),
        ]
    return [*links, NavLink("/account", "Your account")]


def scope_label(user: User) -> str:
    """The user's role and scope in words, e.g. ``Submitter · org-a``."""
    role = user.role.replace("-", " ").capitalize()
    scope = user.organisation_id or user.network_id
    parts = [role, scope, user.project]
    return " · ".join(p for p in parts if p)


def current_csrf_token(request: Request) -> str:
    """The CSRF token forms on this page must carry.

    Signed in: the session's own token. Otherwise the double-submit token of the
    ``pb_csrf`` cookie (a new one is made, and set by :func:`render`, when absent).
    """
    web_session: WebSession | None = getattr(request.state, "web_session", None)
    if web_session is not None:
        return web_session.csrf_token
    token = getattr(request.state, "new_csrf_cookie", None) or request.cookies.get(CSRF_COOKIE)
    if not token or len(token) > 128:
        token = new_token()
        request.state.new_csrf_cookie = token
    return str(token)


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
) -> HTMLResponse:
    """The page ``name`` (a template under ``portal/templates``) as an HTML response.

    Example:
        >>> return render(request, "account.html", {"title": "Your account"})  # doctest: +SKIP
    """
    user: User | None = getattr(request.state, "user", None)
    flashes = list(getattr(request.state, "flashes", []))
    if flashes:
        _on_session_row(request, pop_flashes)  # shown now, so not again
        request.state.flashes = []
    values: dict[str, Any] = {
        "user": user,
        "scope_label": scope_label(user) if user is not None else "",
        "csrf_token": current_csrf_token(request),
        "nav": nav_links(user),
        "flashes": flashes,
        "title": PRODUCT_NAME,
        "current_path": request.url.path,
    }
    values.update(context or {})
    reset = _page_csrf.set(values["csrf_token"])
    try:
        response = templates.TemplateResponse(request, name, values, status_code=status_code)
    finally:
        _page_csrf.reset(reset)
    response.headers.update(SECURITY_HEADERS)
    new_cookie = getattr(request.state, "new_csrf_cookie", None)
    if new_cookie:
        secure = bool(request.app.state.portal_settings.cookie_secure)
        response.set_cookie(
            CSRF_COOKIE, new_cookie, httponly=True, secure=secure, samesite="strict", path="/"
        )
    assert isinstance(response, HTMLResponse)
    return response


def _on_session_row(request: Request, change: Callable[[WebSession], object]) -> None:
    """Apply ``change`` to the signed-in session's row, in the page's own transaction when
    it has one (``PortalDb``: a second SQLite writer would wait for it), else a short one."""
    web_session: WebSession | None = getattr(request.state, "web_session", None)
    if web_session is None:
        return
    page_db: Session | None = getattr(request.state, "db", None)
    if page_db is not None:
        row = page_db.get(WebSession, web_session.id)
        if row is not None:
            change(row)
        return
    with request.app.state.context.db.session() as session:
        row = session.get(WebSession, web_session.id)
        if row is not None:
            change(row)


def flash(request: Request, text: str, kind: str = "info") -> None:
    """Leave ``text`` for the next page this browser session shows.

    ``kind``: ``info``, ``success``, ``warning`` or ``error``. No-op when nobody is signed
    in (there is no session to keep it on).
    """
    if getattr(request.state, "web_session", None) is None:
        return
    _on_session_row(request, lambda row: push_flash(row, text, kind))
    # Shown by this request's page if it renders one (render() then clears it).
    request.state.flashes = [*getattr(request.state, "flashes", []), {"kind": kind, "text": text}]
