"""Ingest a submission: register it, re-validate it, check ownership, pool it or reject it.

The HTTP layer only receives bytes and calls these functions; the same functions serve
the background worker and the ingest benchmark. The server never trusts a client's own
validation: files are checked again with :mod:`peerbench.validators` (JSON bodies with
the record engine), then every record must belong to the submitting organisation.

Lifecycle (``Submission.status``): ``received`` → ``validating`` → ``accepted`` (rows in
the pool; supersedes the organisation's previous version per period and record type) or
``rejected`` (report with findings; pool untouched) or ``failed`` (the server could not
finish; nothing half-written; safe to send again).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
import shutil
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from peerbench.schema.records import RECORD_TYPES_BY_STEM
from peerbench.schema.version import STANDARD_VERSION
from peerbench.server import audit
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Submission, SubmissionStatus, utcnow
from peerbench.server.store import PooledStore
from peerbench.validators.engine import Options, table_source, validate_sources
from peerbench.validators.readers import open_sources
from peerbench.validators.readers.version import version_finding
from peerbench.validators.record_engine import _normalise, records_to_table, validate_records
from peerbench.validators.report import DEFAULT_MAX_FINDINGS, FileSummary, Report
from peerbench.validators.source import Source, SourceBatch

log = logging.getLogger("peerbench.server")

PERIOD = re.compile(r"^[0-9]{4}-Q[1-4]$")
UNFINISHED = (SubmissionStatus.RECEIVED.value, SubmissionStatus.VALIDATING.value)
_ALL = 10**9  # list every finding of an internal run; the final report caps


def check_period(text: str) -> str:
    """``text`` if it is a quarter like ``2026-Q3``.

    Raises:
        ValueError: it is not.
    """
    if not PERIOD.match(text or ""):
        raise ValueError(f"period must be a quarter like 2026-Q3, not {text[:20]!r}")
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


@dataclasses.dataclass(frozen=True)
class Inputs:
    """The data of a submission: a spool folder of files, or JSON record arrays by stem."""

    folder: Path | None = None
    bundle: Mapping[str, list[dict[str, Any]]] | None = None
    standard_version: str | None = None


@dataclasses.dataclass
class Checked:
    """The outcome of checking: the report, canonical tables and where each row came from.

    ``origin[record_type]`` has columns ``file`` and ``row`` aligned with the table, so a
    server-side finding points at the user's file and spreadsheet row.
    """

    report: Report
    tables: dict[str, pa.Table]
    origin: dict[str, pa.Table]


def find_existing(session: Session, new: NewSubmission) -> Submission | None:
    """The submission this one repeats: same Idempotency-Key from the key, or same content."""
    if new.idempotency_key and new.api_key_id:
        found = session.scalar(
            select(Submission).where(
                Submission.api_key_id == new.api_key_id,
                Submission.idempotency_key == new.idempotency_key,
            )
        )
        if found is not None:
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
    """
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


# ------------------------------------------------------------------------- checking
class RowCapExceeded(Exception):
    """A file has more rows than ``max_rows_per_file``; raised mid-stream to stop reading."""

    def __init__(self, source: Source, rows: int) -> None:
        super().__init__(source.file)
        self.source, self.rows = source, rows


def _tap(source: Source, max_rows: int, seen: list[tuple[str, str, int, int]]) -> Source:
    """Wrap a source's batches to note where rows came from and to enforce the row cap."""

    def batches() -> Iterator[SourceBatch]:
        rows = 0
        for batch in source.batches:
            rows += batch.table.num_rows
            if rows > max_rows:
                raise RowCapExceeded(source, rows)
            seen.append(
                (source.record_type or "", source.file, batch.first_row, batch.table.num_rows)
            )
            yield batch

    return dataclasses.replace(source, batches=batches())


def _origins(seen: list[tuple[str, str, int, int]]) -> dict[str, pa.Table]:
    parts: dict[str, tuple[list[str], list[np.ndarray]]] = {}
    for record_type, file, first_row, count in seen:
        files, rows = parts.setdefault(record_type, ([], []))
        files.extend([file] * count)
        rows.append(np.arange(first_row, first_row + count, dtype=np.int64))
    return {
        rt: pa.table({"file": pa.array(files, pa.string()), "row": pa.array(np.concatenate(rows))})
        for rt, (files, rows) in parts.items()
    }


def _row_cap_report(exc: RowCapExceeded, max_rows: int, max_findings: int) -> Report:
    report = Report(max_findings=max_findings)
    source = exc.source
    summary = FileSummary(source.file, source.record_type, source.file_format, rows=exc.rows)
    report.files.append(summary)
    report.add(
        "too-many-rows",
        file=source.file,
        column=None,
        values=[f"over {max_rows:,}"],
        detail=f"{max_rows:,}",
        summary=summary,
    )
    return report


def check_files(
    folder: Path, *, max_rows: int, max_findings: int = DEFAULT_MAX_FINDINGS
) -> Checked:
    """Validate every data file in a spool folder (named as uploaded) as one submission."""
    sources = open_sources(folder)
    seen: list[tuple[str, str, int, int]] = []
    options = Options(max_findings=max_findings, collect=True)
    try:
        result = validate_sources([_tap(s, max_rows, seen) for s in sources], options)
    except RowCapExceeded as exc:
        return Checked(_row_cap_report(exc, max_rows, max_findings), {}, {})
    checked = Checked(result.report, result.tables, _origins(seen))
    _rename_files(checked, f"{folder}/")
    return checked


def _rename_files(checked: Checked, prefix: str) -> None:
    """Show files by their uploaded names, not the server's spool paths."""

    def name(file: str | None) -> str | None:
        return file[len(prefix) :] if file and file.startswith(prefix) else file

    report = checked.report
    for summary in report.files:
        summary.file = name(summary.file) or summary.file
    report.findings = [dataclasses.replace(f, file=name(f.file)) for f in report.findings]
    for record_type, origin in checked.origin.items():
        files = pc.utf8_slice_codeunits(origin.column("file"), len(prefix))
        checked.origin[record_type] = origin.set_column(0, "file", files)


def check_bundle(
    bundle: Mapping[str, list[dict[str, Any]]],
    *,
    standard_version: str | None,
    max_rows: int,
    max_findings: int = DEFAULT_MAX_FINDINGS,
) -> Checked:
    """Validate JSON record arrays (keyed by file stem) with the record engine.

    Each array is checked on its own by :func:`validate_records` (JSON Schema, model and
    columnar checks); references between arrays come from one columnar run over all of
    them, which also yields the canonical tables.
    """
    report = Report(max_findings=max_findings)
    summaries: dict[str, FileSummary] = {}
    sources, origin = [], {}
    for stem, records in bundle.items():
        record_type, file = RECORD_TYPES_BY_STEM[stem].record_type, f"{stem}.json"
        summary = summaries[file] = FileSummary(file, record_type, "json", rows=len(records))
        report.files.append(summary)
        if len(records) > max_rows:
            report.add(
                "too-many-rows",
                file=file,
                column=None,
                values=[f"{len(records):,}"],
                detail=f"{max_rows:,}",
                summary=summary,
            )
            return Checked(report, {}, {})
        report.extend(validate_records(record_type, records, file=file), summary)
        table = records_to_table(record_type, [_normalise(r) for r in records])
        sources.append(table_source(table, record_type, file=file))
        rows = pa.array(np.arange(2, 2 + len(records), dtype=np.int64))
        origin[record_type] = pa.table({"file": pa.array([file] * len(records)), "row": rows})
    across = validate_sources(sources, Options(max_findings=_ALL, collect=True))
    for finding in across.report.findings:
        if finding.code == "unknown-reference":  # the only check that spans arrays
            report.extend([finding], summaries.get(finding.file or ""))
    problem = version_finding(standard_version, "standard_version")
    if problem is not None:
        report.extend([problem])
    return Checked(report, across.tables, origin)


def check_ownership(checked: Checked, organisation_id: str, pooled_services: set[str]) -> None:
    """Add a finding for every record that is not the submitting organisation's.

    Organisations and services must carry its ``organisation_id``; every other record's
    ``service_id`` must be one of its services, submitted now or already in the pool.
    """
    own_services = set(pooled_services)
    for record_type in ("organisation", "service"):
        table = checked.tables.get(record_type)
        if table is None:
            continue
        ids = table.column("organisation_id")
        foreign = pc.fill_null(pc.not_equal(ids, organisation_id), False)
        _flag(checked, record_type, "organisation_id", foreign, ids, organisation_id,
              code="organisation-mismatch")  # fmt: skip
        if record_type == "service":
            mine = table.filter(pc.invert(foreign)).column("service_id").to_pylist()
            own_services.update(str(s) for s in mine if s is not None)
    allowed = pa.array(sorted(own_services), pa.string())
    for record_type, table in checked.tables.items():
        if record_type in ("organisation", "service") or "service_id" not in table.column_names:
            continue
        ids = table.column("service_id")
        foreign = pc.and_(pc.is_valid(ids), pc.invert(pc.is_in(ids, value_set=allowed)))
        detail = f"service of organisation {organisation_id} (submitted now or before)"
        _flag(checked, record_type, "service_id", foreign, ids, detail)


def _flag(
    checked: Checked,
    record_type: str,
    column: str,
    mask: Any,
    values: Any,
    detail: str,
    *,
    code: str = "unknown-reference",
) -> None:
    """Report ``code`` on the rows of ``mask``, per file, at their origin."""
    positions = np.flatnonzero(np.asarray(pc.fill_null(mask, False)))
    if positions.size == 0:
        return
    origin = checked.origin[record_type].take(pa.array(positions))
    picked = values.take(pa.array(positions)).to_pylist()
    files = origin.column("file").to_pylist()
    rows = origin.column("row").to_numpy()
    summaries = {s.file: s for s in checked.report.files}
    for file in dict.fromkeys(files):
        where = [i for i, f in enumerate(files) if f == file]
        checked.report.add(
            code,
            file=file,
            rows=rows[where].tolist(),
            column=column,
            values=[picked[i] for i in where],
            detail=detail,
            summary=summaries.get(file),
        )


def pool_service_owners(ctx: ServerContext, session: Session) -> dict[str, str]:
    """``service_id → organisation_id`` of every service in the current pool."""
    table = ctx.store.read_current(session, "service")
    if table is None or table.num_rows == 0:
        return {}
    ids = table.column("service_id").to_pylist()
    owners = table.column("organisation_id").to_pylist()
    return {str(s): str(o) for s, o in zip(ids, owners, strict=True) if s is not None}


def check_claimed_services(
    checked: Checked, organisation_id: str, owners: Mapping[str, str]
) -> None:
    """Refuse submitted services whose id is already another organisation's in the pool."""
    table = checked.tables.get("service")
    if table is None:
        return
    taken = pa.array(sorted(s for s, o in owners.items() if o != organisation_id), pa.string())
    ids = table.column("service_id")
    mask = pc.is_in(ids, value_set=taken)
    detail = "service this organisation may use: it belongs to another organisation in the pool"
    _flag(checked, "service", "service_id", mask, ids, detail)


# ------------------------------------------------------------------------- processing
def check(ctx: ServerContext, submission: Submission, inputs: Inputs) -> Checked:
    """Validate the inputs and add the server's own checks (ownership, row cap)."""
    max_rows = ctx.settings.max_rows_per_file
    if inputs.folder is not None:
        checked = check_files(inputs.folder, max_rows=max_rows)
    else:
        checked = check_bundle(
            inputs.bundle or {}, standard_version=inputs.standard_version, max_rows=max_rows
        )
    with ctx.db.session() as session:
        owners = pool_service_owners(ctx, session)
    org = submission.organisation_id
    check_claimed_services(checked, org, owners)
    check_ownership(checked, org, {s for s, o in owners.items() if o == org})
    return checked


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
    submission.report = report.to_dict()
    submission.errors, submission.warnings = report.errors, report.warnings
    submission.rows = sum(s.rows for s in report.files)
    submission.record_types = sorted({s.record_type for s in report.files if s.record_type})


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
            "The server could not process this submission; "
            "nothing was stored. Send it again later.",
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
                )
            _record_verdict(current, checked)
            _set_status(session, current, SubmissionStatus.ACCEPTED, actor)
        return current
    except Exception:
        # Nothing was activated (the transaction rolled back), so readers never saw these
        # files; remove them now rather than leave them to the store's hourly cleanup.
        for _, path, _ in written:
            _discard(ctx.store, path)
        raise


def _discard(store: PooledStore, relative: str) -> None:
    """Delete one never-activated file from the store (best effort)."""
    location = store.uri(relative)
    try:
        if store.is_local:
            Path(location).unlink(missing_ok=True)
        else:
            store.filesystem.delete_file(location.split("://", 1)[1])
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
