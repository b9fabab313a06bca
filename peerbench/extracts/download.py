"""Who may download which extract, and the audited zip: ``/v1/extracts`` and the portal share this.

Only researchers (for their project, over their scope) and admins may download. Each
request builds its own extract with its own id, so its participant keys differ from every
other extract's (:mod:`peerbench.extracts.rekey`), and every download is audited as
``download``.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from peerbench.extracts.archive import zip_folder
from peerbench.extracts.consent import CONSENT_RULE
from peerbench.extracts.documents import DISCLOSURE_NOTE, LATEST_RULE, REKEY_RULE
from peerbench.extracts.manifest import ExtractManifest
from peerbench.extracts.pool import extract_from_pool
from peerbench.server import audit
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Role
from peerbench.server.principal import Principal
from peerbench.server.tenancy import get_network, get_organisation, network_member_ids

EXTRACT_NOTES: tuple[tuple[str, str], ...] = (
    ("Consent", CONSENT_RULE),
    ("Re-keying", REKEY_RULE),
    ("Harmonisation", LATEST_RULE),
    ("Disclosure", DISCLOSURE_NOTE),
)
"""What a researcher agrees to read before downloading (also in each extract's README)."""


class ExtractRefused(PermissionError):
    """The viewer may not download this extract; the message says why."""


class ExtractRequestInvalid(ValueError):
    """The request is incomplete or contradictory; the message says how to fix it."""


def extract_scope(
    session: Session,
    viewer: Principal,
    *,
    organisation_id: str | None,
    network_id: str | None,
    project: str | None,
    as_of: dt.date | None = None,
) -> tuple[list[str] | None, str]:
    """The organisations an extract covers and the project it is for.

    A researcher's scope and project are fixed (its key's or account's); an admin may
    choose an organisation or a network (default: every organisation) and must name the
    project. A network's members are those inside their agreement window on ``as_of``.

    Raises:
        ExtractRefused: the role may not download extracts, or a researcher tried to
            widen its scope.
        ExtractRequestInvalid: an admin request without a project or with two scopes.
        peerbench.server.tenancy.NotFoundError: no such organisation or network.
    """
    if viewer.role == Role.RESEARCHER.value:
        if organisation_id or network_id or (project and project != viewer.project):
            raise ExtractRefused("A researcher key's scope and project are fixed by the key.")
        assert viewer.project is not None  # researchers always have one (tenancy)
        if viewer.network_id is not None:
            return network_member_ids(session, viewer.network_id, as_of=as_of), viewer.project
        return [str(viewer.organisation_id)], viewer.project
    if viewer.role != Role.ADMIN.value:
        raise ExtractRefused(
            "Only researcher keys (and admins) may download extracts; benchmarks are at "
            "/v1/benchmarks."
        )
    if not project:
        raise ExtractRequestInvalid(
            "Admins must say which project the extract is for: send 'project'."
        )
    if organisation_id and network_id:
        raise ExtractRequestInvalid("Send 'organisation_id' or 'network_id', not both.")
    if organisation_id:
        return [get_organisation(session, organisation_id).id], project
    if network_id:
        members = network_member_ids(session, get_network(session, network_id).id, as_of=as_of)
        return members, project
    return None, project


@dataclass(frozen=True)
class ExtractZip:
    """A built extract zipped in its own work folder (delete ``work`` when served)."""

    manifest: ExtractManifest
    archive: Path
    work: Path


def build_extract_zip(
    ctx: ServerContext,
    session: Session,
    viewer: Principal,
    *,
    organisations: list[str] | None,
    project: str,
    network_id: str | None = None,
) -> ExtractZip:
    """Build the extract for ``organisations`` and ``project``, zip it and audit the download.

    The work folder lives under ``<data_dir>/spool``; the caller removes it (``work``)
    once the zip is sent. The audit event (``download``) is committed here.
    """
    spool = ctx.settings.data_dir / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="extract-", dir=spool))
    try:
        manifest = extract_from_pool(
            ctx, session, organisation_ids=organisations, project=project, out_dir=work / "x"
        )
        archive = work / f"{manifest.extract_id}.zip"
        zip_folder(manifest.path, archive)
        audit.record(
            session,
            actor=viewer.id,
            action="download",
            organisation_id=viewer.organisation_id,
            target=manifest.extract_id,
            details={
                "project": project,
                "extract_id": manifest.extract_id,
                "row_counts": manifest.row_counts,
                "organisations": organisations,
                "network_id": viewer.network_id or network_id,
            },
        )
        session.commit()
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return ExtractZip(manifest, archive, work)
