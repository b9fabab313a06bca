"""Blank spreadsheet rows: left out of the data, reported once, numbering kept exact.

Excel saves an empty row of a sheet as a CSV line of bare delimiters (``,,,,``) and
keeps it as an empty row in a workbook. Either way it is not a record: checking it would
give one "required" error per column. Every reader leaves such rows out the same way, and
the file gets one ``layout-blank-rows`` warning naming them (blank rows after the last
data row are formatting, not gaps, and are left out silently). Row numbers of the rows
after a blank row stay the ones Excel shows: the rows around it go in separate batches.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import reduce

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.validators.report import Finding

LISTED_SPANS = 12
"""Spans of rows a message lists before it says how many more there are."""


def row_list(rows: list[int]) -> str:
    """``row 4``, ``rows 4, 7 and 9``, ``rows 4-8 and 12``; long lists end with a count."""
    spans: list[str] = []
    start = previous = None
    for row in rows:
        if previous is not None and row == previous + 1:
            previous = row
            continue
        if start is not None:
            spans.append(_span(start, previous))
        start = previous = row
    if start is not None:
        spans.append(_span(start, previous))
    more = len(spans) - LISTED_SPANS
    shown = spans[:LISTED_SPANS] if more > 0 else spans
    noun = "row" if len(rows) == 1 else "rows"
    if more > 0:
        return f"{noun} {', '.join(shown)} and {more} more"
    if len(shown) == 1:
        return f"{noun} {shown[0]}"
    return f"{noun} {', '.join(shown[:-1])} and {shown[-1]}"


def _span(start: int | None, end: int | None) -> str:
    return str(start) if start == end else f"{start}-{end}"


KEPT_ROWS = 1_000
"""Blank rows remembered by number (the rest are counted), so memory stays bounded."""


@dataclass
class BlankRows:
    """Blank rows met while reading one file, in order.

    Attributes:
        rows: Blank rows followed by a data row (reported), the first :data:`KEPT_ROWS`.
        more: How many more such rows there were.
        pending: Blank rows not yet followed by one (trailing, unless data comes).
        pending_more: How many more pending rows there were.
    """

    rows: list[int] = field(default_factory=list)
    more: int = 0
    pending: list[int] = field(default_factory=list)
    pending_more: int = 0

    def blank(self, rows: Sequence[int] | npt.NDArray[np.int64]) -> None:
        """These rows (in order) are blank."""
        room = max(KEPT_ROWS - len(self.pending), 0)
        self.pending.extend(int(row) for row in rows[:room])
        self.pending_more += max(len(rows) - room, 0)

    def data(self) -> None:
        """A data row came: the blank rows before it were gaps in the data."""
        room = max(KEPT_ROWS - len(self.rows), 0)
        self.rows.extend(self.pending[:room])
        self.more += max(len(self.pending) - room, 0) + self.pending_more
        self.pending.clear()
        self.pending_more = 0

    def finding(self, file: str) -> Finding | None:
        """The one ``layout-blank-rows`` warning for the file, if it had blank rows."""
        if not self.rows:
            return None
        from peerbench.validators.readers.sources import finding  # sources imports cells

        detail = row_list(self.rows)
        if self.more:
            detail += f" (and {self.more:,} more blank rows)"
        return finding("layout-blank-rows", file=file, detail=detail)


def without_blank_rows(
    batches: Iterable[pa.RecordBatch], blanks: BlankRows, first_row: int = 2
) -> Iterator[tuple[int, pa.RecordBatch]]:
    """``(first spreadsheet row, rows)`` runs of consecutive non-blank rows.

    A row is blank when every cell is empty (null). Blank rows are recorded on
    ``blanks``. A batch where some column has no empty cell passes through whole, so
    files without blank rows cost one null count per column.
    """
    row = first_row
    for batch in batches:
        count = batch.num_rows
        if count == 0:
            continue
        if batch.num_columns == 0 or any(c.null_count == 0 for c in batch.columns):
            blanks.data()
            yield row, batch
            row += count
            continue
        empty = reduce(pc.and_, (pc.is_null(c) for c in batch.columns))
        blank = np.asarray(empty.to_numpy(zero_copy_only=False), dtype=np.bool_)
        data_at = np.flatnonzero(~blank)
        blank_at = np.flatnonzero(blank)
        if data_at.size:
            last = data_at[-1]
            blanks.blank(row + blank_at[blank_at < last])
            blanks.data()
            breaks = np.flatnonzero(np.diff(data_at) > 1) + 1
            for run in np.split(data_at, breaks):
                yield row + int(run[0]), batch.slice(int(run[0]), len(run))
            blank_at = blank_at[blank_at > last]
        blanks.blank(row + blank_at)
        row += count
