"""What readers hand to the validation engines: batches of raw columns with row numbers.

Readers (:mod:`peerbench.validators.readers`) turn any accepted file into a
:class:`Source`; the columnar engine consumes its batches. Text formats (CSV, XLSX,
JSON Lines) give string columns; Parquet gives typed columns. Headers have already
been renamed through the mapping, if one was given; values have not been touched.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

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
