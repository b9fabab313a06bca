"""What every columnar check needs: where findings go, and how to hand them over in bulk."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from peerbench.schema.instruments.registry import InstrumentRegistry
from peerbench.validators.report import FileSummary, Report
from peerbench.validators.source import RowOrigins

IndexArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
DetailFn = Callable[[list[Any]], Sequence[str]]
"""Builds one detail string per listed value (only called for findings that are listed)."""


class ValueLookup(Protocol):
    """The part of a mapping the engines use: extra spellings for a field's codes."""

    def value_lookup(self, field: str) -> dict[str, str]:
        """Map a local label to a standard code for ``field``."""
        ...


@dataclass
class CheckContext:
    """One file's validation context.

    Attributes:
        report: Where findings are recorded.
        file: File name as the user knows it.
        summary: The file's summary (its error and warning counts are kept here).
        today: Dates after this are in the future.
        registry: The instrument registry.
        mapping: Value mapping from the user's mapping file, if any.
        origins: For a generated file, where its rows came from: row findings then name
            the original file, sheet and row (:class:`~peerbench.validators.source.RowOrigins`).
    """

    report: Report
    file: str
    summary: FileSummary
    today: dt.date
    registry: InstrumentRegistry
    mapping: ValueLookup | None = None
    origins: RowOrigins | None = None

    def room(self) -> int:
        """How many more findings the report will list (counts are always complete)."""
        return max(self.report.max_findings - len(self.report.findings), 0)

    def emit(
        self,
        code: str,
        column: str | None,
        rows: npt.NDArray[Any],
        *,
        values: Any = None,
        detail: str | DetailFn = "",
    ) -> None:
        """Record one finding per entry of ``rows`` (spreadsheet row numbers).

        Args:
            code: Catalogue code.
            column: Column of every finding.
            rows: Row numbers, one per finding.
            values: Offending values parallel to ``rows`` (Arrow array, NumPy array or list).
            detail: One detail for all, or a function building details for listed values.
        """
        count = len(rows)
        if count == 0:
            return
        # Report.add lists only the first `room` findings and counts the rest, so only
        # those values and details are materialised as Python objects.
        listed = min(self.room(), count)
        listed_values = _take(values, listed)
        details: str | Sequence[str] = (
            detail
            if isinstance(detail, str)
            else list(detail(listed_values if listed_values is not None else [None] * listed))
        )
        files: Sequence[str] | None = None
        row_view: Sequence[int] = _RowView(rows)
        if self.origins is not None:  # a generated file: name the user's own rows
            files, row_view = self.origins.locate(rows)
        self.report.add(
            code,
            file=self.file,
            files=files,
            rows=row_view,
            column=column,
            values=listed_values,
            detail=details,
            summary=self.summary,
        )

    def emit_where(
        self,
        code: str,
        column: str | None,
        mask: BoolArray,
        first_row: int,
        *,
        values: Any = None,
        detail: str | DetailFn = "",
    ) -> None:
        """Record one finding per True entry of ``mask`` (positions within a batch).

        Args:
            code: Catalogue code.
            column: Column of every finding.
            mask: Which rows of the batch have the problem.
            first_row: Row number of the batch's first row.
            values: The whole column (Arrow or NumPy); only flagged, listed entries are read.
            detail: As for :meth:`emit`.
        """
        index = np.flatnonzero(mask)
        if index.size == 0:
            return
        picked = None
        if values is not None:
            head = index[: self.room()]
            picked = values.take(pa.array(head)) if _is_arrow(values) else values[head]
        self.emit(code, column, index + first_row, values=picked, detail=detail)

    def emit_file(self, code: str, column: str | None = None, detail: str = "") -> None:
        """Record one finding about the file or a column (no row)."""
        self.report.add(code, file=self.file, column=column, detail=detail, summary=self.summary)


@dataclass(frozen=True)
class HeldFinding:
    """The arguments of one :meth:`CheckContext.emit` call, and the context it is for."""

    target: CheckContext
    code: str
    column: str | None
    rows: npt.NDArray[Any]
    values: Any
    detail: str | DetailFn


@dataclass
class BatchContext(CheckContext):
    """A context that holds findings until :func:`replay` hands them to the real one.

    Batches (and cross-record checks) run on worker threads; holding each one's findings
    and replaying them in a fixed order keeps the report exactly as a one-thread run
    would make it (which findings are listed depends on their order).

    Attributes:
        target: The context the held findings are for.
        held: Where they are held; contexts may share one list to keep a common order.
    """

    target: CheckContext | None = None
    held: list[HeldFinding] = field(default_factory=list)

    @classmethod
    def over(cls, ctx: CheckContext, held: list[HeldFinding] | None = None) -> BatchContext:
        """A holding context for ``ctx``'s file, holding into ``held`` (or a new list)."""
        return cls(
            ctx.report,
            ctx.file,
            ctx.summary,
            ctx.today,
            ctx.registry,
            ctx.mapping,
            origins=ctx.origins,  # read by checks that name another row (held rows are not)
            target=ctx,
            held=[] if held is None else held,
        )

    def room(self) -> int:
        """The most the report could still list (the real room is known at replay)."""
        return self.report.max_findings

    def emit(
        self,
        code: str,
        column: str | None,
        rows: npt.NDArray[Any],
        *,
        values: Any = None,
        detail: str | DetailFn = "",
    ) -> None:
        """Hold the findings (see :meth:`CheckContext.emit`)."""
        assert self.target is not None
        if len(rows):
            self.held.append(HeldFinding(self.target, code, column, rows, values, detail))

    def emit_file(self, code: str, column: str | None = None, detail: str = "") -> None:
        """File-level findings are made once per file, never on a worker."""
        raise NotImplementedError("file-level findings belong to the file's context")


def replay(held: list[HeldFinding]) -> None:
    """Record held findings on their contexts, in the order they were made."""
    for finding in held:
        finding.target.emit(
            finding.code,
            finding.column,
            finding.rows,
            values=finding.values,
            detail=finding.detail,
        )
    held.clear()


class _RowView(Sequence[int]):
    """Row numbers for ``Report.add`` without converting a million of them to Python ints."""

    def __init__(self, rows: npt.NDArray[Any]) -> None:
        self._rows = rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        return int(self._rows[index])


def _take(values: Any, listed: int) -> list[Any] | None:
    if values is None:
        return None
    if isinstance(values, pa.ChunkedArray | pa.Array):
        out: list[Any] = values.slice(0, listed).to_pylist()
        return out
    if isinstance(values, np.ndarray):
        return [v.item() if hasattr(v, "item") else v for v in values[:listed]]
    return list(values[:listed])


def _is_arrow(values: Any) -> bool:
    return isinstance(values, pa.ChunkedArray | pa.Array)
