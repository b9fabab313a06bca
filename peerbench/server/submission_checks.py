"""Check a submission's data as the server sees it: re-validation, row caps, ownership.

The server never trusts a client's own validation: files are checked again with
:mod:`peerbench.validators` (JSON bodies with the record engine), every row is traced to
its file and spreadsheet row, and every record must belong to the submitting
organisation. :mod:`peerbench.server.submissions` runs these checks as part of a
submission's lifecycle.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy.orm import Session

from peerbench.schema.records import RECORD_TYPES_BY_STEM
from peerbench.server.checked import Checked as Checked  # re-exported for callers
from peerbench.server.context import ServerContext
from peerbench.server.db.models import Submission
from peerbench.server.isolation import check_files_isolated
from peerbench.server.ownership import backfill, service_owners
from peerbench.server.period_checks import pooled_elsewhere, report_conflicts
from peerbench.server.versions import check_versions
from peerbench.validators.engine import Options, table_source, validate_sources
from peerbench.validators.limits import DEFAULT_LIMITS, Limits
from peerbench.validators.readers import open_sources
from peerbench.validators.readers.strict import problems
from peerbench.validators.readers.version import version_finding
from peerbench.validators.record_engine import _normalise, records_to_table, validate_records
from peerbench.validators.report import DEFAULT_MAX_FINDINGS, FileSummary, Report
from peerbench.validators.source import Source, SourceBatch

_ALL = 10**9  # list every finding of an internal run; the final report caps


@dataclasses.dataclass(frozen=True)
class Inputs:
    """The data of a submission: a spool folder of files, or JSON record arrays by stem."""

    folder: Path | None = None
    bundle: Mapping[str, list[dict[str, Any]]] | None = None
    standard_version: str | None = None


class RowCapExceeded(Exception):
    """A file has more rows than the row cap; raised mid-stream to stop reading.

    The cap is :meth:`peerbench.server.settings.Settings.row_cap`.
    """

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
    folder: Path,
    *,
    max_rows: int,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    limits: Limits = DEFAULT_LIMITS,
) -> Checked:
    """Validate every data file in a spool folder (named as uploaded) as one submission."""
    sources = open_sources(folder, limits=limits)
    seen: list[tuple[str, str, int, int]] = []
    options = Options(max_findings=max_findings, collect=True)
    try:
        result = validate_sources([_tap(s, max_rows, seen) for s in sources], options)
    except RowCapExceeded as exc:
        return Checked(_row_cap_report(exc, max_rows, max_findings), {}, {})
    prefix = f"{folder}/"
    versions = {s.file.removeprefix(prefix): s.standard_version for s in sources}
    checked = Checked(result.report, result.tables, _origins(seen), versions)
    _rename_files(checked, prefix)
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

    Each record is first held to its JSON Schema exactly (``schema-invalid``, as JSON
    files are); each array is then checked on its own by :func:`validate_records` (model and
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
        # A JSON body is a machine format: held to the JSON Schema exactly, as JSON files
        # are (SPEC §7 "One contract for machines"), before the engine's own rules.
        strict = [
            f for i, r in enumerate(records) for f in problems(record_type, r, file=file, row=i + 2)
        ]
        report.extend(strict, summary)
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
    return Checked(report, across.tables, origin, {"standard_version": standard_version})


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


def pool_service_owners(
    ctx: ServerContext,
    session: Session,
    checked: Checked | None = None,
    organisation_id: str | None = None,
) -> dict[str, str]:
    """``service_id → organisation_id`` of the services in the current pool.

    From the ownership index (:mod:`peerbench.server.ownership`), never the pool's files.
    With ``checked`` and ``organisation_id``, only the services that matter to that
    submission (its own, and those it sends) are looked up; without, every service.
    """
    if checked is None or organisation_id is None:
        return service_owners(session, store=ctx.store)
    sent: set[str] = set()
    table = checked.tables.get("service")
    if table is not None:
        sent = {str(s) for s in table.column("service_id").to_pylist() if s is not None}
    store = None if ctx.store.services_indexed else ctx.store
    return service_owners(session, organisation_id=organisation_id, service_ids=sent, store=store)


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


# ----------------------------------------------------------------------- all together
def check(ctx: ServerContext, submission: Submission, inputs: Inputs) -> Checked:
    """Validate the inputs and add the server's own checks (ownership, row cap)."""
    settings = ctx.settings
    max_rows = settings.row_cap()
    if inputs.folder is not None and settings.isolate_checks:
        checked = check_files_isolated(
            inputs.folder,
            max_rows=max_rows,
            limits=settings.limits(),
            memory_bytes=settings.check_memory_bytes,
        )
    elif inputs.folder is not None:
        checked = check_files(inputs.folder, max_rows=max_rows, limits=settings.limits())
    else:
        checked = check_bundle(
            inputs.bundle or {}, standard_version=inputs.standard_version, max_rows=max_rows
        )
    backfill(ctx.store, ctx.db)  # service files pooled before the ownership index
    with ctx.db.session() as session:
        owners = pool_service_owners(ctx, session, checked, submission.organisation_id)
        pooled = pooled_elsewhere(ctx.store, session, submission.organisation_id, submission.period)
    org = submission.organisation_id
    check_claimed_services(checked, org, owners)
    check_ownership(checked, org, {s for s, o in owners.items() if o == org})
    report_conflicts(checked.report, checked.origin, checked.tables, pooled,
                     submission_id=submission.id, period=submission.period)  # fmt: skip
    check_versions(checked, today=ctx.today(), until=settings.previous_version_until)
    return checked
