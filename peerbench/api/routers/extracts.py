"""``/v1/extracts``: harmonised, consented, re-keyed row-level data for approved research.

Only researcher keys (for their project, over their scope) and admins may download. The
extract is built for each request with its own id, so its participant keys differ from
every other extract's (:mod:`peerbench.extracts.rekey`), and every download is audited.
"""

from __future__ import annotations

import datetime as dt
import shutil
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session
from starlette.background import BackgroundTask

from peerbench.api.deps import ContextDep, CurrentKey, SessionDep
from peerbench.api.errors import ApiError, Forbidden
from peerbench.api.schemas import ErrorEnvelope
from peerbench.extracts import download
from peerbench.extracts.download import ExtractRefused, ExtractRequestInvalid, build_extract_zip
from peerbench.server.principal import Principal

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
    """:func:`peerbench.extracts.download.extract_scope`, with refusals as API errors.

    Raises:
        Forbidden: the role may not download extracts, or a researcher tried to widen
            its scope.
        ApiError: 422 for an admin request without a project or with two scopes.
    """
    try:
        return download.extract_scope(
            session,
            key,
            organisation_id=organisation_id,
            network_id=network_id,
            project=project,
            as_of=as_of,
        )
    except ExtractRefused as exc:
        raise Forbidden(str(exc)) from None
    except ExtractRequestInvalid as exc:
        raise ApiError(422, str(exc)) from None


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
    built = build_extract_zip(
        ctx, session, key, organisations=organisations, project=for_project, network_id=network_id
    )
    return FileResponse(
        built.archive,
        media_type="application/zip",
        filename=built.archive.name,
        headers={"X-Peerbench-Extract-Id": built.manifest.extract_id},
        background=BackgroundTask(shutil.rmtree, built.work, ignore_errors=True),
    )
