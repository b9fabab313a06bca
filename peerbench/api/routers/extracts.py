"""``/v1/extracts``: harmonised, consented, re-keyed row-level data for approved research.

Only researcher keys (for their project, over their scope) and admins may download. The
extract is built for each request with its own id, so its participant keys differ from
every other extract's (:mod:`peerbench.extracts.rekey`), and every download is audited.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from peerbench.api.deps import ContextDep, CurrentKey, SessionDep
from peerbench.api.errors import ApiError, Forbidden
from peerbench.api.schemas import ErrorEnvelope
from peerbench.extracts.archive import zip_folder
from peerbench.extracts.pool import extract_from_pool
from peerbench.server import audit
from peerbench.server.db.models import Role
from peerbench.server.principal import Principal
from peerbench.server.tenancy import get_network, get_organisation, network_member_ids

router = APIRouter(prefix="/v1/extracts", tags=["extracts"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope} for status in (401, 403, 404, 422)
}
_ZIP: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The extract folder as a zip (CSV, Parquet, datapackage.json, docs).",
    }
}


def extract_scope(
    session: Session,
    key: Principal,
    *,
    organisation_id: str | None,
    network_id: str | None,
    project: str | None,
    as_of: dt.date | None = None,
) -> tuple[list[str] | None, str]:
    """The organisations an extract covers and the project it is for.

    A researcher's scope and project are those of its key; an admin may choose an
    organisation or a network (default: every organisation) and must name the project.

    Raises:
        Forbidden: the role may not download extracts, or a researcher tried to widen
            its scope.
        ApiError: 422 for an admin request without a project or with two scopes.
    """
    if key.role == Role.RESEARCHER.value:
        if organisation_id or network_id or (project and project != key.project):
            raise Forbidden("A researcher key's scope and project are fixed by the key.")
        assert key.project is not None  # researcher keys always have one (tenancy)
        if key.network_id is not None:
            return network_member_ids(session, key.network_id, as_of=as_of), key.project
        return [str(key.organisation_id)], key.project
    if key.role != Role.ADMIN.value:
        raise Forbidden(
            "Only researcher keys (and admins) may download extracts; benchmarks are at "
            "/v1/benchmarks."
        )
    if not project:
        raise ApiError(422, "Admins must say which project the extract is for: send 'project'.")
    if organisation_id and network_id:
        raise ApiError(422, "Send 'organisation_id' or 'network_id', not both.")
    if organisation_id:
        return [get_organisation(session, organisation_id).id], project
    if network_id:
        members = network_member_ids(session, get_network(session, network_id).id, as_of=as_of)
        return members, project
    return None, project


@router.get("", response_class=FileResponse, responses={**_ZIP, **_ERRORS})
def download_extract(
    ctx: ContextDep,
    session: SessionDep,
    key: CurrentKey,
    organisation_id: str | None = None,
    network_id: str | None = None,
    project: Annotated[str | None, Query(max_length=200)] = None,
) -> FileResponse:
    """Build an extract for the key's project and scope and return it as a zip."""
    organisations, for_project = extract_scope(
        session,
        key,
        organisation_id=organisation_id,
        network_id=network_id,
        project=project,
        as_of=ctx.today(),
    )
    spool = ctx.settings.data_dir / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="extract-", dir=spool))
    try:
        manifest = extract_from_pool(
            ctx, session, organisation_ids=organisations, project=for_project, out_dir=work / "x"
        )
        archive = work / f"{manifest.extract_id}.zip"
        zip_folder(manifest.path, archive)
        audit.record(
            session,
            actor=key.id,
            action="download",
            organisation_id=key.organisation_id,
            target=manifest.extract_id,
            details={
                "project": for_project,
                "extract_id": manifest.extract_id,
                "row_counts": manifest.row_counts,
                "organisations": organisations,
                "network_id": key.network_id or network_id,
            },
        )
        session.commit()
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=archive.name,
        headers={"X-Peerbench-Extract-Id": manifest.extract_id},
        background=BackgroundTask(shutil.rmtree, work, ignore_errors=True),
    )
