"""Dependencies every portal router uses: who is signed in, what they may see, CSRF.

Every portal router is declared as ``APIRouter(dependencies=[Depends(verify_csrf)])``;
pages take ``CurrentUser`` (or a role alias, or ``org_access``/``network_access``), and
``PortalDb`` for a database session that commits before the response is sent (so the
next request, e.g. after a redirect, sees the change).

Authentication runs once per request in a short session of its own (like the API's
``current_key``), so a slow page never holds a write lock. Each GET it authenticates is
audited as ``portal.read`` with the path (never the query string). Reads are audited
as the API audits them: queued on the batched writer (:mod:`peerbench.server.read_audit`),
not committed one row per page; a page's own reads (:func:`audit_page_read`) are queued
only once the page has been built, so a page that fails records no read.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable, Iterator
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from peerbench.api.deps import get_context
from peerbench.portal.errors import CsrfFailed, PortalForbidden, PortalNotFound, SignInRequired
from peerbench.portal.templating import CSRF_COOKIE, SESSION_COOKIE
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Network, Organisation, Role, User, WebSession
from peerbench.server.tenancy import network_member_ids
from peerbench.server.web_sessions import session_user

M = TypeVar("M", Organisation, Network)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"

PortalCtx = Annotated[ServerContext, Depends(get_context)]
"""The server context (settings, database, store, clocks)."""


def portal_db(request: Request, ctx: PortalCtx) -> Iterator[Session]:
    """A session for the page; committed when the endpoint returns, before the response.

    Kept on ``request.state.db`` so :func:`~peerbench.portal.templating.flash` writes in
    the same transaction (a second SQLite writer would wait for this one).
    """
    reads: list[dict[str, Any]] = []
    with ctx.db.session() as session:
        request.state.db = session
        request.state.page_reads = reads
        try:
            yield session
        finally:
            request.state.db = None
            request.state.page_reads = None
    # Reached only when the page was built and its transaction committed.
    if reads:
        audits = ctx.read_audit()
        for read in reads:
            audits.record(**read)


PortalDb = Annotated[Session, Depends(portal_db, scope="function")]


def audit_page_read(
    request: Request,
    *,
    actor: str,
    action: str,
    organisation_id: str | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Audit a read the page makes (a benchmark, a report), once the page is built.

    Arguments as :func:`peerbench.server.audit.record`. The event goes to the batched
    read-audit writer when the page's :data:`PortalDb` session commits, as the API's
    reads do; a page that fails records nothing, as when the event shared its rollback.

    Raises:
        RuntimeError: the page does not take :data:`PortalDb` (the read would be lost).
    """
    reads: list[dict[str, Any]] | None = getattr(request.state, "page_reads", None)
    if reads is None:
        raise RuntimeError("a page that audits a read must take PortalDb")
    event = {"actor": actor, "action": action, "organisation_id": organisation_id}
    reads.append({**event, "target": target, "details": dict(details or {})})


def _authenticate(request: Request, ctx: ServerContext) -> User | None:
    """Resolve the ``pb_session`` cookie once per request (cached on ``request.state``)."""
    if getattr(request.state, "auth_done", False):
        user: User | None = request.state.user
        return user
    request.state.auth_done = True
    request.state.user = None
    request.state.web_session = None
    request.state.flashes = []
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    settings = ctx.settings
    idle = dt.timedelta(minutes=settings.session_idle_minutes)
    with ctx.db.session() as session:
        found = session_user(session, token, now=ctx.now(), idle_timeout=idle)
        if found is None:
            return None
        user, web_session = found
        # Read, not yet cleared: render() clears them when a page shows them, so a
        # redirect in between does not lose them.
        request.state.flashes = list(web_session.flash or [])
    if request.method == "GET":
        # After the session's commit, as before: a sign-in that failed to save reads nothing.
        ctx.read_audit().record(
            actor=user.id,
            action="portal.read",
            organisation_id=user.organisation_id,
            target=read_path(request),
        )
    request.state.user = user
    request.state.web_session = web_session
    return user


def read_path(request: Request) -> str:
    """The path a ``portal.read`` records: one-time tokens replaced by ``{token}``."""
    route = request.scope.get("route")
    template = getattr(route, "path", "")
    if "{token}" in template:
        return str(template)[:200]
    return request.url.path[:200]


def optional_user(request: Request, ctx: PortalCtx) -> User | None:
    """The signed-in user, or ``None`` (for pages anyone may see)."""
    return _authenticate(request, ctx)


OptionalUser = Annotated[User | None, Depends(optional_user)]


def current_user(request: Request, ctx: PortalCtx) -> User:
    """The signed-in user.

    Raises:
        SignInRequired: nobody is signed in (or the session ended): 303 to ``/sign-in``.
    """
    user = _authenticate(request, ctx)
    if user is None:
        raise SignInRequired(request.url.path if request.method == "GET" else "/")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def current_web_session(request: Request, user: CurrentUser) -> WebSession:
    """The signed-in user's session row (detached; read-only)."""
    web_session: WebSession = request.state.web_session
    return web_session


CurrentWebSession = Annotated[WebSession, Depends(current_web_session)]


def require_roles(*roles: Role) -> Callable[[User], User]:
    """A dependency admitting users with one of ``roles`` (admins always pass).

    Example:
        >>> AnalystUser = Annotated[User, Depends(require_roles(Role.NETWORK_ANALYST))]
    """
    allowed = {Role.ADMIN.value, *(Role(r).value for r in roles)}

    def dependency(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise PortalForbidden()
        return user

    return dependency


SubmitterUser = Annotated[User, Depends(require_roles(Role.SUBMITTER))]
AnalystUser = Annotated[User, Depends(require_roles(Role.NETWORK_ANALYST))]
ResearcherUser = Annotated[User, Depends(require_roles(Role.RESEARCHER))]
AdminUser = Annotated[User, Depends(require_roles())]


def _own_or_admin(
    db: PortalDb, user: User, model: type[M], wanted: str, own_role: Role, own_id: str | None
) -> M:
    """Row ``wanted`` of ``model`` for a user of ``own_role`` whose own id it is, or an admin.

    Raises:
        PortalForbidden: anyone else (whether or not the row exists).
        PortalNotFound: an admin asked for a row that does not exist.
    """
    if user.role == own_role.value and own_id == wanted:
        found = db.get(model, wanted)
        if found is not None:
            return found
    if user.role == Role.ADMIN.value:
        found = db.get(model, wanted)
        if found is None:
            raise PortalNotFound(f"There is no {model.__name__.lower()} with this id.")
        return found
    raise PortalForbidden()


def org_access(organisation_id: str, user: CurrentUser, db: PortalDb) -> Organisation:
    """The organisation of the path, for its own submitters and admins (read and write)."""
    return _own_or_admin(
        db, user, Organisation, organisation_id, Role.SUBMITTER, user.organisation_id
    )


OrgAccess = Annotated[Organisation, Depends(org_access)]


def org_read_access(
    organisation_id: str, user: CurrentUser, db: PortalDb, ctx: PortalCtx
) -> Organisation:
    """Like :func:`org_access`, and also network analysts of a network the organisation
    belongs to (agreement started on ``ctx.today()``): for READ-only pages.
    """
    if user.role == Role.NETWORK_ANALYST.value and user.network_id:
        if organisation_id in network_member_ids(db, user.network_id, as_of=ctx.today()):
            organisation = db.get(Organisation, organisation_id)
            if organisation is not None:
                return organisation
        raise PortalForbidden()
    return org_access(organisation_id, user, db)


OrgReadAccess = Annotated[Organisation, Depends(org_read_access)]


def network_access(network_id: str, user: CurrentUser, db: PortalDb) -> Network:
    """The network of the path, for its own analysts and admins."""
    return _own_or_admin(db, user, Network, network_id, Role.NETWORK_ANALYST, user.network_id)


NetworkAccess = Annotated[Network, Depends(network_access)]


async def verify_csrf(request: Request, ctx: PortalCtx) -> None:
    """Refuse a state-changing request whose CSRF token is missing or wrong (403).

    The token comes from the ``X-CSRF-Token`` header (the upload script) or the form
    field ``csrf_token``; it must equal the signed-in session's token or, before sign-in,
    the ``pb_csrf`` double-submit cookie. Starlette caches the parsed form, so endpoints
    still read ``Form()``/``File()`` parameters. No-op for GET, HEAD and OPTIONS.
    """
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get(CSRF_HEADER)
    form = None
    if not submitted:
        try:
            form = await request.form()
        except Exception:
            raise CsrfFailed() from None
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    await run_in_threadpool(_authenticate, request, ctx)
    web_session: WebSession | None = request.state.web_session
    if web_session is not None:
        expected: str | None = web_session.csrf_token
    else:
        expected = request.cookies.get(CSRF_COOKIE)
    if (
        not submitted
        or not expected
        or len(submitted) > 128
        or not hmac.compare_digest(submitted.encode(), expected.encode())
    ):
        if form is not None:
            await form.close()  # a refused upload's spooled files go now, not at GC
        raise CsrfFailed()


CsrfChecked = Depends(verify_csrf)
"""For ``APIRouter(dependencies=[CsrfChecked])``."""
