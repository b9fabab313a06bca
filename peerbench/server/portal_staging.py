"""Staging a coordinator's files: owner-only folders, size and name rules, 24 h expiry.

The first half of the portal's upload flow (SPEC §14.2); the checks that follow are in
:mod:`peerbench.server.portal_uploads`. Raw files may name people, so they are kept
under ``data_dir/portal-uploads/<upload id>/raw`` in folders only the server's user can
open (0700) and files only it can read (0600), never in the pooled store, and for at most
:data:`STAGED_FOR`: :func:`sweep_expired` (the clock passed in) deletes what is older.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from peerbench.server import audit
from peerbench.server.context import ServerContext
from peerbench.server.db.models import PortalUpload
from peerbench.server.receive import safe_file_name
from peerbench.server.submissions import check_period
from peerbench.validators.readers import FORMATS
from peerbench.validators.readers.version import DESCRIPTOR_NAME

__all__ = [
    "OPEN",
    "STAGED_FOR",
    "IncomingFile",
    "UploadRefused",
    "discard_upload",
    "prepared_paths",
    "raw_paths",
    "stage_upload",
    "sweep_expired",
    "upload_folder",
]

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


def upload_folder(ctx: ServerContext, upload: PortalUpload) -> Path:
    return Path(ctx.settings.data_dir) / upload.directory


def raw_paths(ctx: ServerContext, upload: PortalUpload) -> list[Path]:
    """The staged raw files, in the order they were sent (empty once prepared)."""
    raw = upload_folder(ctx, upload) / RAW
    return [raw / name for name in upload.file_names if (raw / name).is_file()]


def prepared_paths(ctx: ServerContext, upload: PortalUpload) -> list[Path]:
    """The prepared (or standard-shape) files to submit, manifest included, by name.

    ``datapackage.json`` (written by ``prepare`` to describe the files) is not sent.
    """
    folder = upload_folder(ctx, upload) / PREPARED
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name != DESCRIPTOR_NAME)


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


def discard_upload(ctx: ServerContext, session: Session, upload: PortalUpload) -> None:
    """Delete an upload's files and mark it ``discarded``."""
    shutil.rmtree(upload_folder(ctx, upload), ignore_errors=True)
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
        shutil.rmtree(upload_folder(ctx, upload), ignore_errors=True)
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
