"""Checking and submitting staged uploads with the same functions as the command line.

The second half of the portal's upload flow (SPEC §14.2; staging is
:mod:`peerbench.server.portal_staging`): the SAME :mod:`peerbench.intake` functions as
``peerbench map``, ``prepare`` and ``validate`` propose a mapping, prepare and check
(:mod:`peerbench.intake.upload_check`); the organisation's key is used in memory only and
never stored; the raw files are deleted as soon as they are prepared; a valid upload is
submitted through :func:`peerbench.server.receive.submit_received`, exactly as an API
upload of the prepared files. The web pages (:mod:`peerbench.portal.routes_org_upload`)
only call these functions.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.intake.mapping import MappingFile
from peerbench.intake.propose_model import SheetInput
from peerbench.intake.upload_check import (
    Columns,
    Proposed,
    check_standard,
    column_places,
    columns_from_json,
    columns_to_json,
    is_standard_shape,
    mapping_yaml,
    prepare_confirmed,
    propose,
)
from peerbench.server import audit
from peerbench.server.context import ServerContext
from peerbench.server.db.models import PortalUpload, SavedMapping
from peerbench.server.portal_staging import (
    OPEN,
    PREPARED,
    RAW,
    STAGED_FOR,
    IncomingFile,
    UploadRefused,
    discard_upload,
    prepared_paths,
    raw_paths,
    stage_upload,
    sweep_expired,
    upload_folder,
)
from peerbench.server.receive import Background, Submitted, spool_files
from peerbench.server.receive import submit_received as _submit_received
from peerbench.validators.report import Report

__all__ = [  # the staging half re-exported, so callers need one module
    "OPEN",
    "STAGED_FOR",
    "IncomingFile",
    "UploadRefused",
    "analyse",
    "confirm_mapping",
    "discard_upload",
    "proposal_for",
    "raw_paths",
    "save_mapping",
    "stage_upload",
    "stored_check",
    "submit_upload",
    "sweep_expired",
]

log = logging.getLogger("peerbench.server")


def _saved(session: Session, organisation_id: str) -> list[tuple[str, str]]:
    rows = session.scalars(
        select(SavedMapping)
        .where(SavedMapping.organisation_id == organisation_id)
        .order_by(SavedMapping.updated_at.desc(), SavedMapping.id.desc())
    )
    return [(row.name, row.mapping_yaml) for row in rows]


COLUMNS_KEY = "portal_columns"
"""Extra key of a staged upload's report: where each field is in the coordinator's sheets
(the raw files are gone once prepared, so the letters are kept with the report)."""


def _checked(
    ctx: ServerContext, upload: PortalUpload, report: Report, columns: Columns | None = None
) -> None:
    upload.report = {**report.to_dict(), COLUMNS_KEY: columns_to_json(columns or {})}
    upload.status = "checked"
    shutil.rmtree(upload_folder(ctx, upload) / RAW, ignore_errors=True)


def stored_check(upload: PortalUpload) -> tuple[Report, Columns] | None:
    """The report and column places kept on a checked upload (None before it is checked)."""
    if upload.report is None:
        return None
    data = dict(upload.report)
    kept = data.pop(COLUMNS_KEY, None)
    columns = columns_from_json(kept if isinstance(kept, list) else [])
    return Report.from_dict(data), columns


def analyse(
    ctx: ServerContext, session: Session, upload: PortalUpload, *, now: dt.datetime
) -> Proposed | None:
    """Check a staged upload as far as it can go without the coordinator.

    Files in the standard's shape are validated at once (``checked``); unreadable files
    give their findings at once (``checked``, not valid). Otherwise the mapping to show
    is returned (a saved one that fits, or the proposer's) and kept on the upload.
    """
    try:
        return _analyse(ctx, session, upload, now)
    except Exception:
        # Readers turn bad input into findings; anything else is a fault of ours. Say
        # so plainly on the page rather than answer 500, and keep nothing.
        log.exception("upload %s could not be analysed", upload.id)
        session.rollback()
        report = Report()
        for path in raw_paths(ctx, upload):
            report.add(
                "file-unreadable", file=path.name, detail="it is damaged or not a spreadsheet"
            )
        _checked(ctx, upload, report)
        session.commit()
        return None


def _analyse(
    ctx: ServerContext, session: Session, upload: PortalUpload, now: dt.datetime
) -> Proposed | None:
    limits = ctx.settings.limits()
    paths = raw_paths(ctx, upload)
    if is_standard_shape(paths, limits):
        report = check_standard(paths, today=now.date(), limits=limits)
        target = upload_folder(ctx, upload) / PREPARED
        target.mkdir(mode=0o700)
        for path in paths:
            os.replace(path, target / path.name)
        _checked(ctx, upload, report)
        session.commit()
        return None
    proposed = propose(paths, saved=_saved(session, upload.organisation_id), limits=limits)
    if proposed.unreadable:
        report = Report()
        report.extend(proposed.findings)
        if report.valid:  # nothing readable is never valid
            for path in paths:
                report.add("file-empty", file=path.name, detail="")
        _checked(ctx, upload, report)
        session.commit()
        return None
    upload.mapping_yaml = mapping_yaml(proposed.mapping)
    session.commit()
    return proposed


def proposal_for(ctx: ServerContext, session: Session, upload: PortalUpload) -> Proposed:
    """The mapping to show for a staged upload (read again: the same result each time)."""
    return propose(
        raw_paths(ctx, upload),
        saved=_saved(session, upload.organisation_id),
        limits=ctx.settings.limits(),
    )


def confirm_mapping(
    ctx: ServerContext,
    session: Session,
    upload: PortalUpload,
    mapping: MappingFile,
    key: bytes | None,
    *,
    actor: str,
    now: dt.datetime,
    inputs: Sequence[SheetInput] = (),
) -> Report:
    """Prepare the upload with the confirmed mapping (as ``peerbench prepare``), then
    delete the raw files. ``key`` is used here and never stored.

    Raises:
        UploadRefused: the upload is no longer waiting for its mapping.
    """
    if upload.status not in ("staged", "mapped"):
        raise UploadRefused("mapping", "This upload has already been checked.")
    result = prepare_confirmed(
        raw_paths(ctx, upload),
        mapping,
        key,
        upload_folder(ctx, upload) / PREPARED,
        today=now.date(),
        limits=ctx.settings.limits(),
    )
    upload.mapping_yaml = mapping_yaml(mapping)
    _checked(ctx, upload, result.report, column_places(mapping, inputs))
    audit.record(
        session,
        actor=actor,
        action="upload.prepared",
        organisation_id=upload.organisation_id,
        target=upload.id,
        details={"valid": result.valid, "rows": result.rows},
    )
    session.commit()
    return result.report


def save_mapping(
    session: Session,
    *,
    organisation_id: str,
    name: str,
    mapping: MappingFile,
    actor: str,
    now: dt.datetime,
) -> SavedMapping:
    """Keep a confirmed mapping under ``name`` for next quarter (replacing one so named)."""
    name = " ".join(name.split())[:200] or "Saved mapping"
    row = session.scalar(
        select(SavedMapping).where(
            SavedMapping.organisation_id == organisation_id, SavedMapping.name == name
        )
    )
    if row is None:
        row = SavedMapping(
            organisation_id=organisation_id,
            name=name,
            mapping_yaml="",
            created_by=actor,
            created_at=now,
        )
        session.add(row)
    row.mapping_yaml = mapping_yaml(mapping)
    row.updated_at = now
    audit.record(
        session,
        actor=actor,
        action="mapping.saved",
        organisation_id=organisation_id,
        target=name,
    )
    session.commit()
    return row


def submit_upload(
    ctx: ServerContext,
    session: Session,
    upload: PortalUpload,
    *,
    actor: str,
    background: Background | None = None,
) -> Submitted:
    """Submit a checked, valid upload's files as the API would receive them.

    Raises:
        UploadRefused: it is not checked, or not valid.
    """
    if upload.status != "checked" or not (upload.report or {}).get("valid"):
        raise UploadRefused("submit", "Only a checked upload with no errors can be submitted.")
    received = spool_files(ctx.settings.data_dir, upload.period, prepared_paths(ctx, upload))
    submitted = _submit_received(
        ctx, received, organisation_id=upload.organisation_id, actor=actor, background=background
    )
    upload.status = "submitted"
    upload.submission_id = submitted.submission_id
    shutil.rmtree(upload_folder(ctx, upload), ignore_errors=True)
    session.commit()
    return submitted
