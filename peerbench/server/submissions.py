"""Ingest a submission: register it, re-validate it, check ownership, pool it or reject it.

The HTTP layer only receives bytes and calls these functions; the same functions serve
the background worker and the ingest benchmark. The server never trusts a client's own
validation: :mod:`peerbench.server.submission_checks` checks the files again with
:mod:`peerbench.validators` (JSON bodies with the record engine), then every record must
belong to the submitting organisation.

Lifecycle (``Submission.status``): ``received`` → ``validating`` → ``accepted`` (rows in
the pool; supersedes the organisation's previous version per period and record type) or
``rejected`` (report with findings, including unreadable files and files over a
resource limit; pool untouched) or ``failed`` (a fault of the server's own; nothing
half-written; the message says whether sending again can help).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import re
import shutil
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peerbench.schema.version import STANDARD_VERSION
from peerbench.server import audit
from peerbench.server.checked import Checked
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Submission, SubmissionStatus, utcnow
from peerbench.server.store import IN_FLIGHT, PooledStore
from peerbench.server.submission_checks import Inputs, check
from peerbench.server.versions import declared_version

if TYPE_CHECKING:
    import pyarrow as pa

log = logging.getLogger("peerbench.server")

PERIOD = re.compile(r"^[0-9]{4}-Q[1-4]$")
SERVER_FAULT = (
    "The server could not process this submission because of a fault on the server, not "
    "in your data; nothing was stored. Sending it again can help only if the fault was "
    "passing (a full disk, a lost database connection): if it fails again, tell the "
    "network's administrator the submission id."
)
"""The ``failure`` of a submission the server could not finish. Problems with the data
itself (unreadable, malformed or over a limit) never end here: they are findings, and
the submission is ``rejected`` with its report."""
UNFINISHED = IN_FLIGHT


def quarter_of(day: dt.date) -> str:
    """The quarter ``day`` falls in, e.g. ``2026-Q3`` for 14 August 2026."""
    return f"{day.year:04d}-Q{(day.month - 1) // 3 + 1}"


def check_period(text: str, *, earliest: str | None = None, today: dt.date | None = None) -> str:
    """``text`` if it is a quarter like ``2026-Q3`` (between ``earliest`` and today's).

    Args:
        text: The period sent.
        earliest: The earliest quarter accepted (``Settings.earliest_period``), if any.
        today: The day whose quarter is the latest accepted, if any (no future quarters).

    Raises:
        ValueError: it is not a quarter, or lies outside the range.
    """
    if not PERIOD.match(text or ""):
        raise ValueError(f"period must be a quarter like 2026-Q3, not {text[:20]!r}")
    # Four-digit years and one-digit quarters: text order is time order.
    if earliest is not None and text < earliest:
        raise ValueError(
            f"period {text} is before {earliest}, the earliest this server accepts "
            "(setting PEERBENCH_EARLIEST_PERIOD)"
        )
    if today is not None and text > quarter_of(today):
        raise ValueError(
            f"period {text} has not started yet: the latest is the current quarter, "
            f"{quarter_of(today)}"
        )
    return text


def files_hash(period: str, files: Sequence[tuple[str, str]]) -> str:
    """Content hash of an upload: period, then each ``(name, sha256 of bytes)`` by name.

    Hashing per-file digests (rather than concatenated bytes) lets the upload be hashed
    while it streams to disk, in any order, with the same result.
    """
    digest = hashlib.sha256(f"period={period}\n".encode())
    for name, file_digest in sorted(files):
        digest.update(f"{name}\0{file_digest}\n".encode())
    return digest.hexdigest()


def bundle_hash(period: str, arrays: Mapping[str, Any]) -> str:
    """Content hash of a JSON submission (keys sorted, so formatting does not matter)."""
    body = json.dumps(arrays, sort_keys=True, separators=(",", ":"), default=str)
    return files_hash(period, [("bundle.json", hashlib.sha256(body.encode()).hexdigest())])


@dataclasses.dataclass(frozen=True)
class NewSubmission:
    """What arrived, before any checking."""

    organisation_id: str
    period: str
    content_hash: str
    file_names: list[str]
    api_key_id: str | None = None
    idempotency_key: str | None = None
    standard_version: str | None = None


class IdempotencyConflict(ValueError):
    """An Idempotency-Key was used again with a different body.

    Attributes:
        submission_id: The submission the key already names.
    """

    def __init__(self, submission_id: str) -> None:
        super().__init__(
            f"this Idempotency-Key was already used for submission {submission_id} "
            "with different content"
        )
        self.submission_id = submission_id


def clean_idempotency_key(value: str | None) -> str | None:
    """The key without surrounding spaces; ``None`` when absent or blank.

    A blank header is treated as no header: stored, it would name every later blank
    request from the same API key.
    """
    key = (value or "").strip()
    return key or None


def find_existing(session: Session, new: NewSubmission) -> Submission | None:
    """The submission this one repeats: same Idempotency-Key from the key, or same content.

    Raises:
        IdempotencyConflict: the key names a submission with a different body (content
            hash) or organisation, so answering with it would silently drop the new data.
    """
    if new.idempotency_key and new.api_key_id:
        found = session.scalar(
            select(Submission).where(
                Submission.api_key_id == new.api_key_id,
                Submission.idempotency_key == new.idempotency_key,
            )
        )
        if found is not None:
            same = (found.content_hash, found.organisation_id)
            if same != (new.content_hash, new.organisation_id):
                raise IdempotencyConflict(found.id)
            return found
    return session.scalar(
        select(Submission).where(
            Submission.organisation_id == new.organisation_id,
            Submission.content_hash == new.content_hash,
        )
    )


def register(session: Session, new: NewSubmission, *, actor: str) -> tuple[Submission, bool]:
    """Record a submission as ``received``, unless it repeats one (then that one).

    A repeat of a ``failed`` submission is reset to ``received`` so it runs again: failure
    was the server's, and the client was told to resend.

    Returns:
        ``(submission, needs_processing)``. Commits.

    Raises:
        IdempotencyConflict: the Idempotency-Key was used before with another body.
    """
    new = dataclasses.replace(new, idempotency_key=clean_idempotency_key(new.idempotency_key))
    existing = find_existing(session, new)
    if existing is not None and existing.status != SubmissionStatus.FAILED.value:
        audit.record(
            session,
            actor=actor,
            action="submission.repeated",
            organisation_id=existing.organisation_id,
            target=existing.id,
        )
        session.commit()
        return existing, False
    if existing is not None:
        existing.status, existing.failure = SubmissionStatus.RECEIVED.value, None
        existing.completed_at = None
        submission = existing
    else:
        submission = Submission(
            id=uuid.uuid4().hex,
            organisation_id=new.organisation_id,
            api_key_id=new.api_key_id,
            period=new.period,
            status=SubmissionStatus.RECEIVED.value,
            content_hash=new.content_hash,
            idempotency_key=new.idempotency_key,
            standard_version=new.standard_version or STANDARD_VERSION,
            file_names=list(new.file_names),
        )
        session.add(submission)
    details: dict[str, object] = {"period": new.period, "files": list(new.file_names)}
    audit.record(
        session,
        actor=actor,
        action="submission.created",
        organisation_id=new.organisation_id,
        target=submission.id,
        details=details,
    )
    try:
        session.commit()
    except IntegrityError:
        # A concurrent identical request won the race: answer with its submission.
        session.rollback()
        raced = find_existing(session, new)
        if raced is None:
            raise
        return raced, False
    return submission, True


# ------------------------------------------------------------------------- processing
def _set_status(
    session: Session, submission: Submission, status: SubmissionStatus, actor: str, **extra: Any
) -> None:
    before = submission.status
    submission.status = status.value
    if status.value not in UNFINISHED:
        submission.completed_at = utcnow()
    details: dict[str, object] = {"from": before, "to": status.value, **extra}
    audit.record(
        session,
        actor=actor,
        action="submission.status",
        organisation_id=submission.organisation_id,
        target=submission.id,
        details=details,
    )


def _record_verdict(submission: Submission, checked: Checked) -> None:
    report = checked.report
    submission.standard_version = declared_version(checked) or submission.standard_version
    submission.report = report.to_dict()
    submission.errors, submission.warnings = report.errors, report.warnings
    submission.rows = sum(s.rows for s in report.files)
    # Record types sent with no rows (not collected: a note) are not among those submitted.
    submission.record_types = sorted(
        {s.record_type for s in report.files if s.record_type and s.rows}
    )


def process(ctx: ServerContext, submission_id: str, inputs: Inputs, *, actor: str) -> Submission:
    """Check a registered submission and pool it (accepted) or not (rejected).

    Never raises for a problem with the data or the server: an unexpected error marks the
    submission ``failed`` with a plain message, removes any Parquet already written, and
    is logged. The spool folder is removed in every case.

    Args:
        ctx: The server's settings, database and store.
        submission_id: A submission in state ``received``.
        inputs: Its data.
        actor: Audit actor (the API key id).

    Returns:
        The submission in its final state.
    """
    try:
        submission = mark_validating(ctx, submission_id, actor=actor)
        checked = check(ctx, submission, inputs)
        if not checked.report.valid:
            with ctx.db.session() as session:
                submission = _get(session, submission_id)
                _record_verdict(submission, checked)
                _set_status(session, submission, SubmissionStatus.REJECTED, actor)
            return submission
        return _accept(ctx, submission, checked, actor)
    except Exception:
        log.exception("submission %s failed", submission_id)
        return mark_failed(
            ctx,
            submission_id,
            SERVER_FAULT,
            actor=actor,
        )
    finally:
        if inputs.folder is not None:
            shutil.rmtree(inputs.folder, ignore_errors=True)


def mark_validating(ctx: ServerContext, submission_id: str, *, actor: str) -> Submission:
    """Move a ``received`` submission to ``validating`` (already validating: unchanged)."""
    with ctx.db.session() as session:
        submission = _get(session, submission_id)
        if submission.status != SubmissionStatus.VALIDATING.value:
            _set_status(session, submission, SubmissionStatus.VALIDATING, actor)
    return submission


def _accept(ctx: ServerContext, submission: Submission, checked: Checked, actor: str) -> Submission:
    """Write each record type's canonical table, then activate them all in one transaction."""
    written: list[tuple[str, str, int]] = []
    try:
        for record_type, table in sorted(checked.tables.items()):
            path = ctx.store.write_version(
                table,
                record_type=record_type,
                organisation_id=submission.organisation_id,
                period=submission.period,
                submission_id=submission.id,
                standard_version=STANDARD_VERSION,
            )
            written.append((record_type, path, table.num_rows))
        services = _services(checked.tables.get("service"))
        with ctx.db.session() as session:
            current = _get(session, submission.id)
            for record_type, path, rows in written:
                ctx.store.activate(
                    session,
                    submission_id=current.id,
                    organisation_id=current.organisation_id,
                    period=current.period,
                    record_type=record_type,
                    path=path,
                    rows=rows,
                    services=services if record_type == "service" else None,
                )
            _record_verdict(current, checked)
            lineage = {}
            if current.standard_version != STANDARD_VERSION:  # migrated at ingest (SPEC §8)
                lineage = {"migrated_from": current.standard_version, "stored_as": STANDARD_VERSION}
            _set_status(session, current, SubmissionStatus.ACCEPTED, actor, **lineage)
        return current
    except Exception:
        # Nothing was activated (the transaction rolled back), so readers never saw these
        # files; remove them now rather than leave them to the next start-up's cleanup.
        for _, path, _ in written:
            _discard(ctx.store, path)
        raise


def _services(table: pa.Table | None) -> list[tuple[str, str]]:
    """``(service_id, organisation_id)`` of a submission's services (for the ownership index)."""
    if table is None:
        return []
    ids = table.column("service_id").to_pylist()
    owners = table.column("organisation_id").to_pylist()
    return [(str(s), str(o)) for s, o in zip(ids, owners, strict=True) if s is not None]


def _discard(store: PooledStore, relative: str) -> None:
    """Delete one never-activated file from the store (best effort)."""
    try:
        store.delete(relative)
    except OSError:
        log.warning("could not remove unactivated pool file %s", relative)


def mark_failed(ctx: ServerContext, submission_id: str, message: str, *, actor: str) -> Submission:
    """Mark a submission ``failed`` with a message for the submitter."""
    with ctx.db.session() as session:
        submission = _get(session, submission_id)
        submission.failure = message
        _set_status(session, submission, SubmissionStatus.FAILED, actor)
    return submission


def recover_interrupted(ctx: ServerContext, *, actor: str = "server") -> int:
    """Fail submissions left ``received``/``validating`` by a stopped server; returns how many.

    Their spooled files did not survive the restart, so they cannot be resumed; the
    submitter is told to send them again (which a repeat of a failed submission allows).
    """
    with ctx.db.session() as session:
        stale = list(session.scalars(select(Submission).where(Submission.status.in_(UNFINISHED))))
        for submission in stale:
            submission.failure = (
                "The server restarted before this submission was processed; send it again."
            )
            _set_status(session, submission, SubmissionStatus.FAILED, actor)
    return len(stale)


def _get(session: Session, submission_id: str) -> Submission:
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise LookupError(f"no submission {submission_id}")
    return submission
