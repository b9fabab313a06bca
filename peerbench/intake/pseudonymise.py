"""Pseudonymise local ids in a local table (CSV, XLSX or Parquet), at source.

Pseudonyms come from :func:`peerbench.schema.pseudonym.participant_key`, so the same id
and key always give the same pseudonym and nobody without the key can reverse it. Peer
workers' staff or volunteer ids are pseudonymised the same way, with the same key, into
``worker_key`` (:func:`key_name_for` tells a worker id column by its header); a
referral's person id becomes ``participant_key`` like a participant's, so a referral
links to the participant it led to. Columns
holding direct identifiers (names, dates of birth, contact details) are dropped and
listed, and blank and total rows are left out (:mod:`peerbench.intake.screen`). Every
other column is passed through untouched: text files are read as text, so ids such as
``00123`` keep their leading zeros.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from openpyxl import Workbook

from peerbench.intake.grid import Grid, read_grids
from peerbench.intake.layout import find_layout
from peerbench.intake.screen import SkippedRows, identifier_columns, rows_to_skip
from peerbench.io.atomic import atomic_path
from peerbench.io.formulas import write_csv, xlsx_row
from peerbench.io.headers import normalise_header
from peerbench.io.parquet_layout import write_parquet
from peerbench.schema.pseudonym import participant_key
from peerbench.validators.catalogue import Severity
from peerbench.validators.limits import DEFAULT_LIMITS
from peerbench.validators.mapping import standard_columns
from peerbench.validators.readers.parquet import footer_limit_problem


class LocalTableError(ValueError):
    """A local file cannot be read as a table (empty, or no such sheet)."""


class UnknownSheetError(LocalTableError):
    """The workbook has no sheet of the name asked for."""


class ColumnNotFoundError(LocalTableError):
    """A column asked for is not in the table (or names more than one column)."""


ID_COLUMN = "participant_key"
WORKER_ID_COLUMN = "worker_key"
WORKER_WORDS = frozenset(
    {"staff", "volunteer", "worker", "employee", "peer", "mentor", "befriender", "facilitator"}
)
"""A word of these in an id column's header says it is a peer worker's id."""
SUFFIXES = (".csv", ".xlsx", ".parquet")


# Reading and writing ---------------------------------------------------------------------


def _grid(path: Path, sheet: str | None) -> Grid:
    grids = read_grids(path)
    failed = [f for g in grids for f in g.findings if f.severity is Severity.ERROR]
    if failed:
        raise LocalTableError(f"{path}: {failed[0].message}")
    if sheet is None:
        if not grids or not grids[0].rows:
            raise LocalTableError(f"{path} is empty: it has no header row")
        return grids[0]
    wanted = normalise_header(sheet)
    for grid in grids:
        if grid.sheet is not None and normalise_header(grid.sheet) == wanted:
            return grid
    names = ", ".join(g.sheet for g in grids if g.sheet is not None)
    raise UnknownSheetError(f"{path} has no sheet {sheet!r}; its data sheets are: {names}")


def _grid_table(grid: Grid, id_column: str | None, notes: list[str]) -> pa.Table:
    """The records of a grid as text columns: title, blank and total rows left out."""
    # The standard's names help find the header row of a file already in its shape.
    expected = [*([] if id_column is None else [id_column]), *standard_columns(None)]
    layout = find_layout(grid, expected=expected, id_column=id_column)
    if layout.header_index is None:
        raise LocalTableError(f"{grid.display} is empty: it has no header row")
    notes.extend(f"{grid.display}: {f.message}" for f in (*grid.findings, *layout.findings))
    headers = [(h.strip() and h) or f"column_{i + 1}" for i, h in enumerate(layout.headers)]
    rows = [grid.rows[i] for i in layout.data]
    columns = {
        name: pa.array([(r[i] if i < len(r) else "") or None for r in rows], pa.string())
        for i, name in enumerate(headers)
    }
    return pa.table(columns)


def _over_limit(path: Path) -> str | None:
    """Why a Parquet file is over the validators' default limits, read from its footer."""
    try:
        metadata = pq.read_metadata(path)
    except Exception:  # damage is reported when the file is read
        return None
    problem = footer_limit_problem(metadata, path.name, DEFAULT_LIMITS)
    return None if problem is None else problem.message


def read_table(
    path: Path,
    sheet: str | None = None,
    notes: list[str] | None = None,
    id_column: str | None = None,
) -> tuple[pa.Table, str | None]:
    """Read CSV, XLSX (one sheet) or Parquet; return the table and the sheet name.

    A spreadsheet is read as :mod:`peerbench.intake.grid` reads it and laid out by
    :func:`peerbench.intake.layout.find_layout`, as ``prepare`` does: title rows above
    the header, blank rows and total rows are left out (each kind named in ``notes``),
    the same for CSV and XLSX. Cells are text, so values pass on exactly as written.

    Args:
        path: The file.
        sheet: Sheet of a workbook (default: the first data sheet).
        notes: Receives plain-English notes for the user (encoding guessed, rows left out).
        id_column: The local id header, which tells a "TOTAL" row from a person.

    Raises:
        LocalTableError: the file is empty, has no such sheet, or is over a resource
            limit (:mod:`peerbench.validators.limits`; a workbook or Parquet file is
            checked before it is expanded).
    """
    shown = [] if notes is None else notes
    if path.suffix.lower() == ".parquet":
        over = _over_limit(path)
        if over is not None:
            raise LocalTableError(f"{path}: {over}")
        return pq.read_table(path), None
    grid = _grid(path, sheet)
    return _grid_table(grid, id_column, shown), grid.sheet


def write_table(table: pa.Table, path: Path, sheet: str | None = None) -> None:
    """Write ``table`` atomically as CSV, XLSX or Parquet, chosen by the file suffix."""
    suffix = path.suffix.lower()
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            write_parquet(table, tmp)
        elif suffix == ".xlsx":
            workbook = Workbook(write_only=True)
            out = workbook.create_sheet(sheet or "data")
            out.append(xlsx_row(out, table.column_names))
            for row in table.to_pylist():
                out.append(xlsx_row(out, row.values()))
            workbook.save(tmp)
        else:
            write_csv(table, tmp)


# The operation ---------------------------------------------------------------------------


def key_name_for(header: str) -> str:
    """The standard field an id column becomes: ``worker_key`` for a staff or volunteer id.

    "Staff ID", "Volunteer no", "Peer worker ref" → ``worker_key``; "Client ID",
    "Person ID" (also on a referrals sheet) → ``participant_key``.
    """
    words = set(normalise_header(header).replace("_", " ").split())
    return WORKER_ID_COLUMN if words & WORKER_WORDS else ID_COLUMN


def pseudonymise_column(column: pa.ChunkedArray, secret: bytes) -> pa.Array:
    """Pseudonyms for ``column``; empty and missing ids stay empty and missing.

    Each distinct id is hashed once, then spread back over the rows with a take.
    """
    values = column.cast(pa.string()).combine_chunks()
    distinct = pc.unique(values)
    keys = [
        None if v is None else ("" if not v.strip() else participant_key(v, secret))
        for v in distinct.to_pylist()
    ]
    return pa.array(keys, pa.string()).take(pc.index_in(values, value_set=distinct))


def pseudonymise_table(
    table: pa.Table, renames: dict[str, str], secret: bytes, *, keep_original: bool = False
) -> pa.Table:
    """Replace each column in ``renames`` (input name → output name) by its pseudonyms.

    The pseudonym takes the original column's place. With ``keep_original`` the original
    stays right after it (renamed ``<name>_original`` if the names would clash).
    """
    for source, target in renames.items():
        position = table.column_names.index(source)
        keys = pseudonymise_column(table.column(source), secret)
        if keep_original:
            if target == source:
                table = table.rename_columns(
                    [f"{n}_original" if n == source else n for n in table.column_names]
                )
            table = table.add_column(position, target, keys)
        else:
            table = table.set_column(position, target, keys)
    return table


def find_column(table: pa.Table, asked: str) -> str:
    """The column of ``table`` that ``asked`` names, compared with :func:`normalise_header`.

    Raises:
        ColumnNotFoundError: no column, or more than one, matches.
    """
    wanted = normalise_header(asked)
    matches = [c for c in table.column_names if normalise_header(c) == wanted]
    if len(matches) == 1:
        return str(matches[0])
    if matches:
        raise ColumnNotFoundError(
            f"column {asked!r} matches several columns ({', '.join(map(repr, matches))}); "
            "rename one of them"
        )
    raise ColumnNotFoundError(
        f"column {asked!r} not found; the file's columns are: "
        + ", ".join(repr(c) for c in table.column_names)
    )


@dataclass(frozen=True)
class Screened:
    """A local table made safe to pseudonymise.

    Attributes:
        table: Without identifier columns, blank rows and total/summary rows.
        dropped: Identifier column → why it was dropped.
        skipped: Rows left out (positions in the table read).
        summary_text: The id (or first non-blank cell) of each summary row left out.
    """

    table: pa.Table
    dropped: dict[str, str]
    skipped: SkippedRows
    summary_text: list[str]


def screen_table(table: pa.Table, id_columns: list[str]) -> Screened:
    """Drop direct identifier columns and leave out blank and total/summary rows."""
    skipped = rows_to_skip(table, id_columns)
    texts: list[str] = []
    for row in table.take(pa.array(skipped.summary, pa.int64())).to_pylist():
        cells = [str(row[c]).strip() for c in (*id_columns, *table.column_names) if row[c]]
        texts.append(next((c for c in cells if c), ""))
    left_out = set(skipped.blank) | set(skipped.summary)
    if left_out:
        keep = [i for i in range(table.num_rows) if i not in left_out]
        table = table.take(pa.array(keep, pa.int64()))
    dropped = identifier_columns(table, frozenset(id_columns))
    return Screened(table.drop_columns(list(dropped)), dropped, skipped, texts)
