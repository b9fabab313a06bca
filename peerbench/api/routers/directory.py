"""``/v1/directory``: the pool's services as an Open Referral UK list, in the key's scope.

The same library as ``peerbench directory export`` (:mod:`peerbench.directory`): one page
of the UK profile's list envelope, checked against its compiled schemas. Scoped like
``/v1/benchmarks`` (:func:`benchmark_scope`): a submitter sees its networks' started
members and itself, an analyst its network, an admin the whole pool (or one network);
researchers are refused (they use extracts). Only organisation- and service-level facts
are served. Every read is audited as ``directory.read``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from peerbench.api.deps import ContextDep, CurrentKey, SessionDep
from peerbench.api.routers.benchmarks import benchmark_scope
from peerbench.api.schemas import ErrorEnvelope
from peerbench.directory import build_list
from peerbench.directory.export import Shape
from peerbench.directory.schemas import Kind
from peerbench.directory.sources import pool_directory_tables
from peerbench.server import audit

router = APIRouter(prefix="/v1/directory", tags=["directory"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 422)
}


@router.get("", responses=_ERRORS)
def get_directory(
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    kind: Annotated[Kind, Query(description="List services or organisations.")] = "service",
    shape: Annotated[
        Shape, Query(description="full: fully nested items; list: one-to-one fields only.")
    ] = "full",
    network_id: Annotated[str | None, Query(description="Admins only.")] = None,
) -> dict[str, Any]:
    """The services (or organisations) in scope as an Open Referral UK list page."""
    scope = benchmark_scope(session, key, network_id, as_of=ctx.today())
    tables = pool_directory_tables(ctx.store, session, scope.organisations)
    # Pooled data conforms, so the list is valid; a failing check is a bug (a 500).
    document = build_list(tables, kind, shape)
    audit.record(
        session,
        actor=key.id,
        action="directory.read",
        organisation_id=key.organisation_id,
        target="directory",
        details={"kind": kind, "shape": shape, **scope.audit_details()},
    )
    session.commit()
    return document
