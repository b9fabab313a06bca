"""Take in a submission's files, whoever sends them: the JSON API or the web portal.

Both shells hand the server a folder of files under ``data_dir/spool`` and call
:func:`submit_received`, which registers the submission (a repeat answers with the
first), then checks and pools it (:func:`peerbench.server.submissions.process`, with
its isolated checker), right away or on the background worker for large uploads. The
API streams a multipart body into the spool folder
(:func:`peerbench.api.uploads.spool_multipart`); the portal copies the files it has
prepared (:func:`spool_files`). Either way the content hash is the same function of the
period and each file's name and bytes, so the same data sent through both is one
submission. After an accepted submission the pool's snapshot is brought up to date on
the same background worker (:func:`peerbench.server.compaction.request_compaction`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any, Protocol

from peerbench.server.compaction import request_compaction
from peerbench.server.context import ServerContext
from peerbench.server.db.models import SubmissionStatus
from peerbench.server.submission_checks import Inputs
from peerbench.server.submissions import (
    NewSubmission,
    files_hash,
    mark_validating,
    process,
    register,
)

__all__ = [
    "Received",
    "Spooled",
    "Submitted",
    "new_spool_folder",
    "received_files",
    "safe_file_name",
    "spool_files",
    "submit_received",
]

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]{0,199}$")
"""File names an upload may use: nothing that could escape its folder."""
SPOOL = "spool"
"""Folder under ``data_dir`` for uploads being taken in (removed after processing)."""
_CHUNK = 1024 * 1024


class Spooled(Protocol):
    """One file already in a spool folder: its name, size and SHA-256."""

    @property
    def name(self) -> str: ...

    @property
    def size(self) -> int: ...

    @property
    def sha256(self) -> str: ...


@dataclasses.dataclass(frozen=True)
class SpoolEntry:
    """A file :func:`spool_files` copied into a spool folder."""

    name: str
    path: Path
    size: int
    sha256: str


@dataclasses.dataclass
class Received:
    """An upload taken in, before it is registered.

    Attributes:
        period: The quarter it is for (checked as a quarter; range not yet checked).
        organisation_id: The organisation the sender asked for (admins), if any.
        file_names: The files' names, sorted.
        content_hash: :func:`~peerbench.server.submissions.files_hash` of the files.
        size: Bytes received, over every file (decides background processing).
        inputs: The spool folder (or JSON arrays) to check.
        standard_version: The version a JSON body declared, if any.
    """

    period: str
    organisation_id: str | None
    file_names: list[str]
    content_hash: str
    size: int
    inputs: Inputs
    standard_version: str | None = None


@dataclasses.dataclass(frozen=True)
class Submitted:
    """What :func:`submit_received` did.

    Attributes:
        submission_id: The submission (the first one, for a repeat).
        fresh: False when the upload repeats an earlier submission (nothing was done).
        queued: True when it went to the background worker (still ``validating``).
    """

    submission_id: str
    fresh: bool
    queued: bool


Background = Callable[..., Any]
"""``worker.submit``: runs ``fn(*args, **kwargs)`` on the background worker."""


def safe_file_name(raw: str) -> str | None:
    """The base name of an uploaded file, or None when it could escape its folder."""
    name = PurePosixPath(raw.replace("\\", "/")).name
    if not SAFE_NAME.match(name) or name in (".", ".."):
        return None
    return name


def new_spool_folder(data_dir: Path) -> Path:
    """A new, empty folder under ``data_dir/spool`` for one upload (owner-only)."""
    folder = Path(data_dir) / SPOOL / uuid.uuid4().hex
    folder.mkdir(parents=True, mode=0o700)
    return folder


def received_files(
    period: str, organisation_id: str | None, folder: Path, files: Sequence[Spooled]
) -> Received:
    """The :class:`Received` of files already in ``folder``."""
    return Received(
        period=period,
        organisation_id=organisation_id,
        file_names=sorted(f.name for f in files),
        content_hash=files_hash(period, [(f.name, f.sha256) for f in files]),
        size=sum(f.size for f in files),
        inputs=Inputs(folder=folder),
    )


def _copy(source: Path, target: Path) -> SpoolEntry:
    digest = hashlib.sha256()
    size = 0
    with source.open("rb") as reader, target.open("xb") as writer:
        while chunk := reader.read(_CHUNK):
            writer.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    target.chmod(0o600)
    return SpoolEntry(target.name, target, size, digest.hexdigest())


def spool_files(
    data_dir: Path, period: str, paths: Sequence[Path], organisation_id: str | None = None
) -> Received:
    """Copy files (a prepared folder's standard files and manifest) into a new spool folder.

    The files keep their names; the result is what the API would have received had the
    same files been sent to ``POST /v1/submissions``.

    Raises:
        ValueError: two files share a name, or no file was given.
    """
    names = [Path(p).name for p in paths]
    if not names:
        raise ValueError("there is no file to submit")
    if len(set(names)) != len(names):
        raise ValueError("two files share a name; send each file once")
    folder = new_spool_folder(data_dir)
    try:
        entries = [_copy(Path(p), folder / Path(p).name) for p in paths]
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return received_files(period, organisation_id, folder, entries)


def _after_acceptance(ctx: ServerContext, organisation_id: str, background: Background) -> None:
    """Queue the snapshot's compaction and (a server's optional work, in its own process)
    the organisation's quality figures."""
    request_compaction(ctx.store, ctx.db, ctx.now, background)
    if ctx.quality is not None:
        ctx.quality.record(organisation_id)


def _process_then_compact(
    ctx: ServerContext, submission_id: str, inputs: Inputs, actor: str, background: Background
) -> None:
    """The background job of a large upload: process it, then ask for compaction."""
    done = process(ctx, submission_id, inputs, actor=actor)
    if done.status == SubmissionStatus.ACCEPTED.value:
        _after_acceptance(ctx, done.organisation_id, background)


def submit_received(
    ctx: ServerContext,
    received: Received,
    *,
    organisation_id: str,
    actor: str,
    api_key_id: str | None = None,
    idempotency_key: str | None = None,
    background: Background | None = None,
) -> Submitted:
    """Register an upload, then check and pool it (or queue that for the worker).

    The period must already have been checked against the server's range
    (:func:`~peerbench.server.submissions.check_period`). The spool folder is removed
    in every case: after processing, for a repeat, and on any error.

    Args:
        ctx: The server's settings, database and store.
        received: What was taken in.
        organisation_id: The organisation it is for (already checked for the sender).
        actor: Audit actor (an API key id, or a portal user's id).
        api_key_id: The API key that sent it (None from the portal).
        idempotency_key: The ``Idempotency-Key`` header, if any.
        background: Where uploads larger than ``background_threshold_bytes`` are
            processed (``worker.submit``); None processes every upload now.

    Raises:
        IdempotencyConflict: the Idempotency-Key was used before with another body.
    """
    folder = received.inputs.folder
    handed_over = False
    try:
        new = NewSubmission(
            organisation_id=organisation_id,
            period=received.period,
            content_hash=received.content_hash,
            file_names=received.file_names,
            api_key_id=api_key_id,
            idempotency_key=idempotency_key,
            standard_version=received.standard_version,
        )
        with ctx.db.session() as session:
            submission, fresh = register(session, new, actor=actor)
            submission_id = submission.id
        if not fresh:
            return Submitted(submission_id, fresh=False, queued=False)
        if background is not None and received.size > ctx.settings.background_threshold_bytes:
            mark_validating(ctx, submission_id, actor=actor)
            handed_over = True  # process() removes the folder from here on
            background(_process_then_compact, ctx, submission_id, received.inputs, actor,
                       background)  # fmt: skip
            return Submitted(submission_id, fresh=True, queued=True)
        handed_over = True
        done = process(ctx, submission_id, received.inputs, actor=actor)
        if background is not None and done.status == SubmissionStatus.ACCEPTED.value:
            _after_acceptance(ctx, organisation_id, background)
        return Submitted(submission_id, fresh=True, queued=False)
    finally:
        if folder is not None and not handed_over:
            shutil.rmtree(folder, ignore_errors=True)
