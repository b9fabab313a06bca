"""What readers hand to the validation engines: batches of raw columns with row numbers.

Readers (:mod:`peerbench.validators.readers`) turn any accepted file into a
:class:`Source`; the columnar engine consumes its batches. Text formats (CSV, XLSX,
JSON Lines) give string columns; Parquet gives typed columns. Headers have already
been renamed through the mapping, if one was given; values have not been touched.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from peerbench.validators.report import Finding


@dataclass(frozen=True)
class SourceBatch:
    """A slice of a file's rows.

    Attributes:
        table: Columns as read (strings for text formats), headers as mapped.
        first_row: Spreadsheet row number of the batch's first row (header row = 1, so
            the first data row of a file is 2). Rows are consecutive within a batch.
    """

    table: pa.Table
    first_row: int


@dataclass(frozen=True)
class RowOrigins:
    """Where each data row of a generated file came from in the user's own spreadsheet.

    A file that ``prepare`` generated from a spreadsheet has its own rows (title rows
    skipped, several records from one wide row, several sheets in one file); its findings
    must point at the row the coordinator sees in Excel instead.

    Attributes:
        names: Original places, e.g. ``clients.xlsx#Clients`` or ``visits.csv``.
        name_index: Per data row of the generated file, in order: index into ``names``.
        rows: Per data row of the generated file: the original spreadsheet row number.
        first_row: Row number of the generated file's first data row (2 below a header).
    """

    names: tuple[str, ...]
    name_index: npt.NDArray[np.int32]
    rows: npt.NDArray[np.int64]
    first_row: int = 2

    def __post_init__(self) -> None:
        if len(self.name_index) != len(self.rows):
            raise ValueError("name_index and rows must have one entry per data row")

    def place(self, row: int) -> tuple[str, int]:
        """The original name and row of one generated row number."""
        at = row - self.first_row
        return self.names[int(self.name_index[at])], int(self.rows[at])

    def original_rows(self, rows: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
        """Original row numbers of many generated row numbers at once."""
        return self.rows[np.asarray(rows, dtype=np.int64) - self.first_row]

    def locate(self, rows: npt.NDArray[Any]) -> tuple[Sequence[str], Sequence[int]]:
        """Original names and rows for generated row numbers (converted lazily, per item)."""
        return _Names(self, rows), _Rows(self, rows)


class _Rows(Sequence[int]):
    def __init__(self, origins: RowOrigins, rows: npt.NDArray[Any]) -> None:
        self._origins, self._rows = origins, rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        return int(self._origins.rows[int(self._rows[index]) - self._origins.first_row])


class _Names(Sequence[str]):
    def __init__(self, origins: RowOrigins, rows: npt.NDArray[Any]) -> None:
        self._origins, self._rows = origins, rows

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index: Any) -> Any:
        at = int(self._rows[index]) - self._origins.first_row
        return self._origins.names[int(self._origins.name_index[at])]


@dataclass
class Source:
    """One readable input: a file, or one sheet of a workbook.

    Attributes:
        file: Name shown to the user (path as given, plus ``#sheet`` for workbook sheets).
        record_type: Record type from the file or sheet name, or the caller's override.
        file_format: ``csv``, ``xlsx``, ``jsonl``, ``json`` or ``parquet``.
        columns: Headers in file order, after mapping.
        original_columns: Headers as they appear in the file (same order).
        batches: Iterator over the rows; consumed once.
        encoding: Text encoding detected (text formats only).
        standard_version: Version the file declares, if any.
        findings: File-level findings made while opening it (encoding, formulas...).
        origins: For a generated file, where each row came from (findings are reported
            there); ``None`` for a file the user wrote, whose own rows are reported.
    """

    file: str
    record_type: str | None
    file_format: str
    columns: list[str]
    original_columns: list[str]
    batches: Iterator[SourceBatch]
    encoding: str | None = None
    standard_version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    origins: RowOrigins | None = None
