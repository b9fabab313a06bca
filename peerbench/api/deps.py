"""Dependencies shared by the routers, as ``Annotated`` aliases.

``CurrentKey`` authenticates ``Authorization: Bearer <key>`` in a short session of its
own, so a long upload does not hold a database connection. The presented key is only
hashed and compared; it is never logged or put in a message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from peerbench.api.errors import ApiError, Forbidden, Unauthorized
from peerbench.server.context import ServerContext
from peerbench.server.db.models import ApiKey, Role
from peerbench.server.keys import authenticate
from peerbench.server.principal import Principal
from peerbench.server.ratelimit import RateLimiter
from peerbench.server.scope import NoAccess
from peerbench.server.scope import visible_organisations as _visible_organisations
from peerbench.server.worker import SubmissionWorker

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer pbk_…`")


def get_context(request: Request) -> ServerContext:
    """The server context opened by the app's lifespan."""
    context: ServerContext = request.app.state.context
    return context


ContextDep = Annotated[ServerContext, Depends(get_context)]


def get_session(ctx: ContextDep) -> Iterator[Session]:
    """A session for the request; endpoints that write commit explicitly."""
    with ctx.db.session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]


def get_worker(request: Request) -> SubmissionWorker:
    """The background worker for large submissions."""
    worker: SubmissionWorker = request.app.state.worker
    return worker


WorkerDep = Annotated[SubmissionWorker, Depends(get_worker)]


def current_key(
    ctx: ContextDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    """The active API key presented with the request.

    Raises:
        Unauthorized: no bearer key, or one that is unknown or revoked.
    """
    if credentials is None or not credentials.credentials:
        raise Unauthorized("Send an API key as 'Authorization: Bearer <key>'.")
    with ctx.db.session() as session:
        key = authenticate(session, credentials.credentials)
    if key is None:
        raise Unauthorized("The API key is not valid: it is unknown or has been revoked.")
    return key


CurrentKey = Annotated[ApiKey, Depends(current_key)]


def admin_key(key: CurrentKey) -> ApiKey:
    """The current key, which must be an admin's."""
    if key.role != Role.ADMIN.value:
        raise Forbidden("Only an admin key may do this.")
    return key


AdminKey = Annotated[ApiKey, Depends(admin_key)]


def submitter_key(key: CurrentKey) -> ApiKey:
    """The current key, which must be able to submit (submitter or admin)."""
    if key.role not in (Role.SUBMITTER.value, Role.ADMIN.value):
        raise Forbidden("Only submitter and admin keys may submit data.")
    return key


SubmitterKey = Annotated[ApiKey, Depends(submitter_key)]


def rate_limited(request: Request, key: SubmitterKey) -> ApiKey:
    """The submitting key, if it is within ``settings.submissions_per_minute``.

    Raises:
        ApiError: 429 with ``Retry-After``.
    """
    limiter: RateLimiter = request.app.state.limiter
    wait = limiter.hit(key.id)
    if wait > 0:
        retry = RateLimiter.retry_after(wait)
        raise ApiError(
            429,
            f"Too many submissions with this key; try again in {retry} s.",
            details={"limit_per_minute": limiter.limit, "retry_after_seconds": int(retry)},
            headers={"Retry-After": retry},
        )
    return key


RateLimitedKey = Annotated[ApiKey, Depends(rate_limited)]


def visible_organisations(
    session: Session, key: Principal, *, as_of: dt.date | None = None
) -> set[str] | None:
    """Organisations whose submissions ``key`` may read on ``as_of``; ``None``: all (admin).

    The rule is :func:`peerbench.server.scope.visible_organisations`; this wrapper turns
    its refusal into the API's 403.

    Raises:
        Forbidden: the role has no access to submissions (researchers: extracts only).
    """
    try:
        return _visible_organisations(session, key, as_of=as_of)
    except NoAccess:
        raise Forbidden("This API key's role has no access to submissions.") from None
