"""The validation API: files or tables in, a :class:`Report` (and canonical tables) out.

Example:
    >>> report = validate([Path("export/")], today=date(2026, 1, 31))  # doctest: +SKIP
    >>> report.valid, report.flatten()[:3]  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, overload

import pyarrow as pa

from peerbench.schema.arrow import arrow_schema
from peerbench.schema.instruments.registry import InstrumentRegistry, reading_registry
from peerbench.schema.record_table import RECORDS
from peerbench.validators.columnar import (
    BatchContext,
    CheckContext,
    KeyCollector,
    Plan,
    ValueLookup,
    check_across,
    check_batch,
    plan_file,
    replay,
)
from peerbench.validators.columnar.batch import CheckedBatch
from peerbench.validators.columnar.keys import prepare as prepare_keys
from peerbench.validators.limits import DEFAULT_LIMITS, Limits
from peerbench.validators.readers import open_sources
from peerbench.validators.report import DEFAULT_MAX_FINDINGS, FileSummary, Report
from peerbench.validators.sampling import ParticipantSampler
from peerbench.validators.source import Source, SourceBatch

if TYPE_CHECKING:  # a mapping file's model (pydantic) loads only with a mapping
    from peerbench.validators.mapping import Mapping


@dataclass
class Validation:
    """A report plus the accepted rows in canonical form.

    Attributes:
        report: Every finding of the run.
        tables: Record type → all rows of that type, conformed to ``arrow_schema``. Cells
            with a finding are null, so store these only when ``report.valid``.
    """

    report: Report
    tables: dict[str, pa.Table] = field(default_factory=dict)


@dataclass(frozen=True)
class Options:
    """Settings shared by every entry point."""

    max_findings: int = DEFAULT_MAX_FINDINGS
    today: dt.date | None = None
    registry: InstrumentRegistry | None = None
    mapping: ValueLookup | None = None
    collect: bool = False
    sample_rows: int | None = None
    """Instead of every row, keep a participant-whole sample of about this many rows."""


WORKERS = 2
"""Threads checking batches. Arrow and NumPy release the GIL in their kernels, so two
threads keep two cores busy; reading the next batch overlaps with both."""
IN_FLIGHT = WORKERS + 1
"""Batches read ahead of the oldest one still being checked (bounds memory)."""


@dataclass
class _Pending:
    """A batch being checked on a worker thread."""

    future: Future[tuple[int, pa.Table | None]]
    held: BatchContext
    keys: Future[pa.Table]
    """Its key columns, ready before the rest of its checks are done."""
    keys_kept: bool = False


def _check(
    plan: Plan,
    table: pa.Table,
    ctx: BatchContext,
    first_row: int,
    file_index: int,
    canonical: bool,
    keys: Future[pa.Table],
) -> tuple[int, pa.Table | None]:
    """Check one batch on a worker: its row count, and canonical rows if wanted.

    Its key columns are handed over through ``keys`` as soon as its fields are checked,
    so the cross-record checks of a run can start while the last batches are still
    going through their instrument checks.
    """

    def hand_over(checked: CheckedBatch) -> None:
        encoded = checked.encoded()
        keys.set_result(prepare_keys(plan.record_type, checked, first_row, file_index, encoded))

    try:
        checked = check_batch(plan, table, ctx, first_row, on_fields=hand_over)
    except BaseException as exc:
        if not keys.done():  # nobody waits for keys that will never come
            keys.set_exception(exc)
        raise
    return checked.num_rows, checked.table() if canonical else None


@dataclass
class _Run:
    """What one validation run gathers while its batches are checked."""

    options: Options
    collector: KeyCollector = field(default_factory=KeyCollector)
    collected: dict[str, list[pa.Table]] = field(default_factory=dict)
    samplers: dict[str, ParticipantSampler] = field(default_factory=dict)

    def keep_keys(self, pending: _Pending, record_type: str) -> None:
        """Keep a batch's keys (once; batches are kept in file and batch order)."""
        if not pending.keys_kept:
            self.collector.keep(record_type, pending.keys.result())
            pending.keys_kept = True

    def finish(self, pending: _Pending, ctx: CheckContext, record_type: str) -> None:
        """Take a checked batch's findings, counts, keys and canonical rows."""
        rows, canonical = pending.future.result()
        replay(pending.held.held)
        ctx.summary.rows += rows
        self.keep_keys(pending, record_type)
        if canonical is None:
            return
        if self.options.collect:
            self.collected.setdefault(record_type, []).append(canonical)
        elif self.options.sample_rows is not None:
            sampler = self.samplers.setdefault(
                record_type, ParticipantSampler(self.options.sample_rows)
            )
            sampler.add(canonical)

    def tables(self) -> dict[str, pa.Table]:
        """Every kept table in canonical form (whole, or the participant sample)."""
        tables = {name: pa.concat_tables(parts) for name, parts in self.collected.items()}
        for name, sampler in self.samplers.items():
            tables[name] = sampler.table(arrow_schema(name))
        return tables


@dataclass
class _OpenFile:
    """A file whose last batches may still be in flight."""

    source: Source
    ctx: CheckContext
    record_type: str
    queue: deque[_Pending] = field(default_factory=deque)

    def close(self, run: _Run, report: Report) -> None:
        """Finish its batches in order, then add what its reader found while streaming."""
        try:
            while self.queue:
                run.finish(self.queue.popleft(), self.ctx, self.record_type)
        finally:
            self.cancel()
        report.extend(self.source.findings, self.ctx.summary)

    def cancel(self) -> None:
        """Cancel batches not yet started (after a failure: don't leave work running)."""
        for pending in self.queue:
            pending.future.cancel()


def validate_sources(sources: Iterable[Source], options: Options) -> Validation:
    """Validate already-opened sources as one run (cross-record checks span them all).

    Batches are checked on :data:`WORKERS` threads; their findings are handed over in
    batch order, so the report is the same as a one-thread run's.

    Args:
        sources: Sources from :func:`peerbench.validators.readers.open_sources` or built
            directly; each is consumed.
        options: Settings.
    """
    report = Report(max_findings=options.max_findings)
    registry = options.registry or reading_registry()
    today = options.today or dt.date.today()
    run = _Run(options)
    contexts: list[CheckContext] = []
    # Canonical rows are only spelled out when they are kept.
    keep_rows = options.collect or options.sample_rows is not None
    last: _OpenFile | None = None

    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="peerbench") as pool:
        for index, source in enumerate(sources):
            if last is not None:
                last.close(run, report)
            summary = FileSummary(
                source.file, source.record_type, source.file_format, encoding=source.encoding
            )
            report.files.append(summary)
            ctx = CheckContext(
                report, source.file, summary, today, registry, options.mapping, source.origins
            )
            contexts.append(ctx)
            last = _OpenFile(source, ctx, source.record_type or "")
            if source.record_type not in RECORDS:
                continue
            plan = plan_file(source.record_type, source.columns, ctx)
            try:
                for batch in source.batches:
                    keys: Future[pa.Table] = Future()
                    held = BatchContext.over(ctx)
                    future = pool.submit(
                        _check, plan, batch.table, held, batch.first_row, index, keep_rows, keys
                    )
                    last.queue.append(_Pending(future, held, keys))
                    if len(last.queue) >= IN_FLIGHT:
                        run.finish(last.queue.popleft(), ctx, plan.record_type)
            except BaseException:
                last.cancel()
                raise
        # The last file's final batches are still in their instrument checks; their
        # keys come first, so the cross-record checks overlap those checks.
        if last is not None:
            for pending in last.queue:
                run.keep_keys(pending, last.record_type)
        across = check_across(run.collector, contexts, WORKERS)
        if last is not None:
            last.close(run, report)
    replay(across)
    return Validation(report, run.tables())


def _open_all(
    paths: Sequence[Path],
    record_type: str | None,
    mapping: Mapping | None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Source]:
    """Every source of every path (files, workbook sheets, bundle arrays, folders)."""
    return [
        source
        for path in paths
        for source in open_sources(
            Path(path), record_type=record_type, mapping=mapping, limits=limits
        )
    ]


@overload
def validate(
    paths: Sequence[Path],
    *,
    record_type: str | None = ...,
    mapping: Mapping | None = ...,
    max_findings: int = ...,
    today: dt.date | None = ...,
    registry: InstrumentRegistry | None = ...,
    collect: Literal[False] = ...,
    limits: Limits = ...,
) -> Report: ...


@overload
def validate(
    paths: Sequence[Path],
    *,
    record_type: str | None = ...,
    mapping: Mapping | None = ...,
    max_findings: int = ...,
    today: dt.date | None = ...,
    registry: InstrumentRegistry | None = ...,
    collect: Literal[True],
    limits: Limits = ...,
) -> Validation: ...


def validate(
    paths: Sequence[Path],
    *,
    record_type: str | None = None,
    mapping: Mapping | None = None,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    today: dt.date | None = None,
    registry: InstrumentRegistry | None = None,
    collect: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Report | Validation:
    """Validate data files (or folders of them) as one submission.

    Args:
        paths: Files or folders; every data file found is validated, and cross-record
            checks (duplicates, references, baselines) span all of them.
        record_type: Treat every file as this record type instead of naming by file.
        mapping: Header renames and value labels from a mapping file.
        max_findings: How many findings to list (counts are always complete).
        today: Dates after this are in the future (default: today).
        registry: Instrument registry (default: the built-in instruments).
        collect: Also return every table in canonical form (see :class:`Validation`).
        limits: Resource limits per file (see :mod:`peerbench.validators.limits`).

    Returns:
        The report, or with ``collect=True`` a :class:`Validation`.

    Raises:
        FileNotFoundError: a path does not exist.
        ValueError: ``record_type`` is not a record type.
    """
    sources = _open_all(paths, record_type, mapping, limits)
    options = Options(max_findings, today, registry, mapping, collect)
    result = validate_sources(sources, options)
    return result if collect else result.report


def validate_sample(
    paths: Sequence[Path],
    *,
    sample_rows: int,
    record_type: str | None = None,
    mapping: Mapping | None = None,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    today: dt.date | None = None,
    registry: InstrumentRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Validation:
    """Validate like :func:`validate`, keeping a bounded sample of canonical rows.

    Every row is still validated; only about ``sample_rows`` rows per record type (up to
    twice that) are kept, whole participants at a time (see
    :mod:`peerbench.validators.sampling`), so memory stays bounded for huge files.
    """
    sources = _open_all(paths, record_type, mapping, limits)
    options = Options(max_findings, today, registry, mapping, sample_rows=sample_rows)
    return validate_sources(sources, options)


def table_source(
    table: pa.Table, record_type: str, *, file: str = "<table>", first_row: int = 2
) -> Source:
    """Wrap an in-memory table (canonical or text columns) as a one-batch source."""
    return Source(
        file=file,
        record_type=record_type,
        file_format="arrow",
        columns=list(table.column_names),
        original_columns=list(table.column_names),
        batches=iter([SourceBatch(table, first_row)]),
    )


def validate_table(
    table: pa.Table,
    record_type: str,
    *,
    file: str = "<table>",
    first_row: int = 2,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    today: dt.date | None = None,
    registry: InstrumentRegistry | None = None,
    mapping: ValueLookup | None = None,
) -> Report:
    """Validate one in-memory table of ``record_type`` (text or typed columns).

    Args:
        table: The rows; text columns as from CSV or typed as in Parquet.
        record_type: Its record type (``outcome``).
        file: Name used in findings.
        first_row: Row number of the first row (2: the row under a header).
        max_findings: How many findings to list.
        today: Dates after this are in the future (default: today).
        registry: Instrument registry (default: the built-in instruments).
        mapping: Value labels to accept for code fields.
    """
    source = table_source(table, record_type, file=file, first_row=first_row)
    options = Options(max_findings, today, registry, mapping)
    return validate_sources([source], options).report
