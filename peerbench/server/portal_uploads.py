"""Staged uploads: spreadsheets a coordinator sent from the web portal, until submitted.

A coordinator's files go through the same steps as on the command line (``map``,
``prepare``, ``submit``) but in the server, so the raw files — which may name people —
are held as briefly and as closely as possible (SPEC §14.2):

* staged under ``data_dir/portal-uploads/<upload id>/raw`` (folders 0700, files
  0600, never in the pooled store), within the server's request size;
* the SAME :mod:`peerbench.intake` functions propose a mapping, prepare and validate
  (:mod:`peerbench.intake.upload_check`); the organisation's key is used in memory only
  and never stored; the raw files are deleted as soon as they are prepared;
* a valid upload is submitted through :func:`peerbench.server.receive.submit_received`,
  exactly as an API upload of the prepared files;
* anything not submitted expires after :data:`STAGED_FOR` (:func:`sweep_expired`, with
  the clock passed in).

The web pages (:mod:`peerbench.portal.routes_org`) only call these functions.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

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
from peerbench.server.receive import Background, Submitted, safe_file_name, spool_files
from peerbench.server.receive import submit_received as _submit_received
from peerbench.server.submissions import check_period
from peerbench.validators.readers import FORMATS
from peerbench.validators.report import Report

__all__ = [
    "STAGED_FOR",
    "IncomingFile",
    "UploadRefused",
    "confirm_mapping",
    "discard_upload",
    "proposal_for",
    "raw_paths",
    "save_mapping",
    "stage_upload",
    "submit_upload",
    "sweep_expired",
]

log = logging.getLogger("peerbench.server")

UPLOADS = "portal-uploads"
RAW, PREPARED = "raw", "prepared"
STAGED_FOR = dt.timedelta(hours=24)
"""How long an upload not yet submitted is kept (its files and its row's content)."""
MAX_FILES = 20
_CHUNK = 1024 * 1024
OPEN = ("staged", "mapped", "checked")
"""Statuses of an upload still held: its folder exists until submitted or discarded."""


class UploadRefused(ValueError):
    """An upload or a step cannot go ahead; ``field_id`` names the form field to fix."""

    def __init__(self, field_id: str, text: str) -> None:
        super().__init__(text)
        self.field_id, self.text = field_id, text


@dataclass(frozen=True)
class IncomingFile:
    """One file as received: the name the browser sent and its bytes."""

    name: str
    stream: BinaryIO


def new_upload_id() -> str:
    """``upl_`` + 16 hex digits."""
    return "upl_" + secrets.token_hex(8)


def _folder(ctx: ServerContext, upload: PortalUpload) -> Path:
    return Path(ctx.settings.data_dir) / upload.directory


def raw_paths(ctx: ServerContext, upload: PortalUpload) -> list[Path]:
    """The staged raw files, in the order they were sent (empty once prepared)."""
    raw = _folder(ctx, upload) / RAW
    return [raw / name for name in upload.file_names if (raw / name).is_file()]


def prepared_paths(ctx: ServerContext, upload: PortalUpload) -> list[Path]:
    """The prepared (or standard-shape) files to submit, manifest included, by name."""
    folder = _folder(ctx, upload) / PREPARED
    return sorted(p for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []


def _check_names(files: Sequence[IncomingFile]) -> list[str]:
    if not files:
        raise UploadRefused("files", "Choose at least one file to upload.")
    if len(files) > MAX_FILES:
        raise UploadRefused("files", f"Upload at most {MAX_FILES} files at once.")
    names: list[str] = []
    for item in files:
        name = safe_file_name(item.name)
        if name is None:
            raise UploadRefused(
                "files",
                f"'{item.name[:80]}': file names may use letters, digits, spaces, '.', '_' "
                "and '-' only; rename the file and upload it again.",
            )
        if Path(name).suffix.lower() not in FORMATS:
            raise UploadRefused(
                "files",
                f"'{name}' is not a spreadsheet this service reads: save it as Excel (.xlsx) "
                "or CSV and upload it again.",
            )
        if name in names:
            raise UploadRefused("files", f"Two files are named '{name}'; upload each file once.")
        names.append(name)
    return names


def _write(stream: BinaryIO, target: Path, room: int) -> int:
    """Copy ``stream`` into a new owner-only file; the bytes written (refused past ``room``)."""
    handle = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written = 0
    with os.fdopen(handle, "wb") as writer:
        while chunk := stream.read(_CHUNK):
            written += len(chunk)
            if written > room:
                raise UploadRefused(
                    "files", "The files are larger than this service accepts in one upload."
                )
            writer.write(chunk)
    return written


def stage_upload(
    ctx: ServerContext,
    session: Session,
    *,
    organisation_id: str,
    user_id: str,
    period: str,
    files: Sequence[IncomingFile],
    now: dt.datetime,
    new_id: Callable[[], str] = new_upload_id,
) -> PortalUpload:
    """Keep the files in an owner-only folder and record the upload (``staged``).

    Raises:
        UploadRefused: the period is not one the server accepts, no or too many files, a
            name or kind of file it cannot take, or more bytes than ``max_request_bytes``.
    """
    try:
        check_period(period.strip(), earliest=ctx.settings.earliest_period, today=now.date())
    except ValueError as exc:
        raise UploadRefused("period", f"The {exc}.") from None
    names = _check_names(files)
    upload_id = new_id()
    relative = f"{UPLOADS}/{upload_id}"
    base = Path(ctx.settings.data_dir) / UPLOADS
    base.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = base / upload_id
    folder.mkdir(mode=0o700)
    try:
        (folder / RAW).mkdir(mode=0o700)
        room = ctx.settings.max_request_bytes
        for name, item in zip(names, files, strict=True):
            room -= _write(item.stream, folder / RAW / name, room)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    upload = PortalUpload(
        id=upload_id,
        organisation_id=organisation_id,
        user_id=user_id,
        period=period.strip(),
        status="staged",
        directory=relative,
        file_names=names,
        created_at=now,
        expires_at=now + STAGED_FOR,
    )
    session.add(upload)
    audit.record(
        session,
        actor=user_id,
        action="upload.staged",
        organisation_id=organisation_id,
        target=upload_id,
        details={"period": upload.period, "files": names},
    )
    session.commit()
    return upload


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
    shutil.rmtree(_folder(ctx, upload) / RAW, ignore_errors=True)


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
        target = _folder(ctx, upload) / PREPARED
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
        _folder(ctx, upload) / PREPARED,
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
    shutil.rmtree(_folder(ctx, upload), ignore_errors=True)
    session.commit()
    return submitted


def discard_upload(ctx: ServerContext, session: Session, upload: PortalUpload) -> None:
    """Delete an upload's files and mark it ``discarded``."""
    shutil.rmtree(_folder(ctx, upload), ignore_errors=True)
    if upload.status != "submitted":
        upload.status = "discarded"
    session.commit()


def sweep_expired(ctx: ServerContext, session: Session, *, now: dt.datetime) -> int:
    """Discard uploads past their expiry, and folders no upload row names; how many."""
    stale = list(
        session.scalars(
            select(PortalUpload).where(
                PortalUpload.status.in_(OPEN), PortalUpload.expires_at <= now
            )
        )
    )
    for upload in stale:
        shutil.rmtree(_folder(ctx, upload), ignore_errors=True)
        upload.status = "discarded"
        upload.report = None
        upload.mapping_yaml = None
    session.commit()
    base = Path(ctx.settings.data_dir) / UPLOADS
    if base.is_dir():
        known = set(session.scalars(select(PortalUpload.id).where(PortalUpload.status.in_(OPEN))))
        cutoff = (now - STAGED_FOR).timestamp()
        for folder in base.iterdir():
            # An unknown folder is left for a day: its row may not be committed yet.
            if folder.name not in known and folder.stat().st_mtime <= cutoff:
                shutil.rmtree(folder, ignore_errors=True)
    return len(stale)
