"""A mapping file applied to spreadsheet grids: tables in the standard's shape.

:func:`apply_mapping` reads each grid through its sheet's mapping and gives, per record
type, a table with the standard's column names and text cells (outcome items flattened
as ``item_1`` … ``item_N``, SPEC §7), ready for the validators, and for every record the
spreadsheet row it came from. The participant id is still the LOCAL id, under
``participant_key``: ``prepare`` pseudonymises it.

Per sheet: the header row, title rows, blank rows and total rows are found by
:mod:`peerbench.intake.layout`; each record-type block then gives records row by row
(a wide outcomes block gives one per timepoint answered, :mod:`peerbench.intake.wide`).
A cell is translated when its meaning is certain (a local label or a code list's label
to its code, an answer word to its response code, a day-first date to ISO) and kept as
typed otherwise, so the validators report it. Declared identifiers, the date of birth
(after deriving ``age_band``) and columns that look like identifiers never reach a
table; they are listed in :attr:`Mapped.dropped_columns`. Other unused columns are
reported, so nothing is dropped without a word. SPEC §7.2 documents the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from peerbench.intake.cells import parse_date
from peerbench.intake.dob import set_age_band, start_dates
from peerbench.intake.grid import Grid
from peerbench.intake.layout import Layout, find_layout
from peerbench.intake.mapping import FROM_NAME, MappingFile, RecordBlock, SheetMapping
from peerbench.intake.rows import BlockPlan, RowRecord, plan_block, records_of_row
from peerbench.io.headers import field_form, normalise_header
from peerbench.schema.instruments import InstrumentRegistry, default_registry
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators.identifiers import IDENTIFYING_HEADERS, detect
from peerbench.validators.mapping import ITEM_COLUMN, canonical_record_type
from peerbench.validators.readers.detect import unknown_name_detail
from peerbench.validators.readers.sources import finding
from peerbench.validators.report import Finding

__all__ = ["Mapped", "MappedTable", "Origin", "apply_mapping"]


@dataclass(frozen=True)
class Origin:
    """Where a record came from: the file, the sheet (None for CSV) and the row in Excel."""

    file: str
    sheet: str | None
    row: int

    @property
    def display(self) -> str:
        """``file`` or ``file#sheet``, as findings name a file."""
        return self.file if self.sheet is None else f"{self.file}#{self.sheet}"


@dataclass
class MappedTable:
    """The records of one record type, in the standard's shape.

    Attributes:
        record_type: ``participant``, ``outcome``…
        table: Standard column names, all text (null for an empty cell), one row per
            record; only columns that some record fills.
        origins: Per row, the spreadsheet row it came from.
        derived_ids: Per row, whether its ``record_id`` was derived (outcomes without a
            record id column); ``prepare`` derives those again from the pseudonymous key
            (:func:`peerbench.intake.wide.rederive_record_ids`).
    """

    record_type: str
    table: pa.Table
    origins: list[Origin]
    derived_ids: list[bool]


@dataclass
class Mapped:
    """What the mapping made of the spreadsheets.

    Attributes:
        tables: Record type → its table (only record types some sheet feeds).
        findings: Reading, layout and mapping findings, at the original rows.
        dropped_columns: Sheet (``file`` or ``file#sheet``) → headers of the identifier
            columns dropped there (declared, the date of birth, or detected).
    """

    tables: dict[str, MappedTable] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    dropped_columns: dict[str, list[str]] = field(default_factory=dict)


def apply_mapping(
    grids: Iterable[Grid],
    mapping: MappingFile,
    registry: InstrumentRegistry | None = None,
) -> Mapped:
    """Turn spreadsheet grids into standard-shaped tables through a mapping file.

    Args:
        grids: The sheets, from :func:`peerbench.intake.grid.read_grids`.
        mapping: The mapping file.
        registry: Instruments (item counts, response labels); the built-ins by default.

    Returns:
        The tables, findings and dropped identifier columns.
    """
    registry = registry or default_registry()
    mapped = Mapped()
    collected: dict[str, list[RowRecord]] = {}
    for grid in grids:
        mapped.findings.extend(grid.findings)
        if not grid.rows:
            continue
        sheet = mapping.sheet_for(grid.name)
        if sheet is None:
            mapped.findings.append(finding("mapping-sheet-unmapped", file=grid.display))
            continue
        for record in _map_sheet(grid, sheet, mapping, registry, mapped):
            collected.setdefault(record.record_type, []).append(record)
    for record_type in RECORD_TYPES:
        if record_type in collected:
            records = _without_repeats(collected[record_type])
            mapped.tables[record_type] = _table(record_type, records)
    return mapped


def _without_repeats(records: list[RowRecord]) -> list[RowRecord]:
    """Records with exact repeats removed (the first, with its row, is kept).

    A sheet with one row per questionnaire repeats each person's details on every row;
    those give one participant. Records with one key but different values are all kept,
    for the validators to report where they differ.
    """
    seen: set[tuple[tuple[str, str | None], ...]] = set()
    kept = []
    for record in records:
        identity = tuple(sorted(record.values.items()))
        if identity in seen:
            continue
        seen.add(identity)
        kept.append(record)
    return kept


def _blocks(grid: Grid, sheet: SheetMapping, version: int, mapped: Mapped) -> list[RecordBlock]:
    """The sheet's blocks. A version 1 file's one block is read as the validators read it:
    a file named after a record type is that type (renames apply only if the block is for
    it), any other file is the block's type."""
    blocks = []
    name = grid.sheet if grid.sheet is not None else Path(grid.file).stem
    named = canonical_record_type(name)
    for key, block in sheet.blocks.items():
        if version == 1 and key != FROM_NAME and named not in (None, key):
            blocks.append(RecordBlock(record_type=named))
            continue
        if key != FROM_NAME:
            blocks.append(block)
            continue
        record_type = named
        if record_type is None:
            kind = "file" if grid.sheet is None else "sheet"
            detail = unknown_name_detail(name, kind)
            mapped.findings.append(finding("record-type-unknown", file=grid.display, detail=detail))
            continue
        blocks.append(block.model_copy(update={"record_type": record_type}))
    return blocks


def _map_sheet(
    grid: Grid,
    sheet: SheetMapping,
    mapping: MappingFile,
    registry: InstrumentRegistry,
    mapped: Mapped,
) -> list[RowRecord]:
    blocks = _blocks(grid, sheet, mapping.version, mapped)
    layout = find_layout(
        grid,
        header_row=sheet.header_row,
        expected=_expected_headers(sheet, blocks),
        id_column=sheet.id_column or _mapped_id(blocks),
    )
    mapped.findings.extend(layout.findings)
    if layout.header_index is None:
        return []
    headers = _header_index(layout)
    strict = mapping.version >= 2  # a version 1 mapping lists headers of several files
    used: set[int] = set()
    # Without id_column, a block's column mapped to participant_key is the sheet's id.
    id_header = sheet.id_column or _mapped_id(blocks)
    id_index = _find(id_header, headers, layout, used, mapped, strict and bool(sheet.id_column))
    plans: list[BlockPlan] = []
    for block in blocks:
        plan = plan_block(block, mapping, sheet, headers, layout.headers, registry)
        used.update(plan.used)
        if strict:
            for header, detail in plan.missing:
                mapped.findings.append(
                    finding(
                        "mapping-column-missing", file=grid.display, column=header, detail=detail
                    )
                )
        plans.append(plan)
    used.update(headers[k] for k in map(normalise_header, sheet.skip) if k in headers)
    dob = sheet.date_of_birth
    dob_index = None if dob is None else _find(dob.column, headers, layout, used, mapped, strict)
    at_index = None
    if dob is not None and dob.at is not None and dob.fixed_date() is None:
        at_index = _find(dob.at, headers, layout, used, mapped, strict)
    dropped = _dropped(sheet, headers, layout, used, dob_index)
    _report_columns(grid, layout, used, dropped, mapped)
    rows: list[tuple[list[str], Origin, str, list[RowRecord]]] = []
    for index in layout.data:
        row = grid.rows[index]
        origin = Origin(grid.file, grid.sheet, grid.row_numbers[index])
        local_id = row[id_index].strip() if id_index is not None else ""
        row_records = []
        for plan in plans:
            row_records.extend(
                records_of_row(plan, row, origin, local_id or None, registry, mapped.findings)
            )
        _note_formulas(grid, index, used, layout, mapped)
        rows.append((row, origin, local_id, row_records))
    if dob_index is not None and dob is not None:
        # By default the age is taken when this person's support started: the earliest
        # date over all of their rows, so every row of one person gives the same band.
        starts = start_dates([(local_id, records) for _, _, local_id, records in rows])
        header = layout.headers[dob_index]
        for row, origin, local_id, row_records in rows:
            at = dob.fixed_date()
            if at is None and at_index is not None:
                at = parse_date(row[at_index], plan_format(plans))
            elif at is None:
                at = starts.get(local_id) if local_id else start_dates([("", row_records)]).get("")
            set_age_band(row, dob_index, at, row_records, origin, header, mapped.findings)
    return [record for *_, row_records in rows for record in row_records]


def plan_format(plans: list[BlockPlan]) -> str | None:
    """The date format of the sheet's blocks (the first that sets one)."""
    return next((plan.date_format for plan in plans if plan.date_format), None)


def _expected_headers(sheet: SheetMapping, blocks: list[RecordBlock]) -> list[str]:
    names = [*sheet.identifiers, *sheet.skip]
    names += [name for name in (sheet.id_column,) if name]
    if sheet.date_of_birth is not None:
        names.append(sheet.date_of_birth.column)
    for block in blocks:
        names += list(block.columns)
        for spec in block.timepoints.values():
            names += spec.item_headers(1) + [h for h in (spec.total, spec.date) if h]
        if block.record_type is not None:
            names += list(RECORD_TYPES[block.record_type].model_fields)
    return names


def _mapped_id(blocks: list[RecordBlock]) -> str | None:
    for block in blocks:
        for header, name in block.columns.items():
            if name in ("participant_key", "worker_key"):
                return header
    return None


def _header_index(layout: Layout) -> dict[str, int]:
    """Normalised header → its first column (a repeated header keeps the first)."""
    index: dict[str, int] = {}
    for position, header in enumerate(layout.headers):
        key = normalise_header(header)
        if key and key not in index:
            index[key] = position
    return index


def _find(
    header: str | None,
    headers: dict[str, int],
    layout: Layout,
    used: set[int],
    mapped: Mapped,
    strict: bool,
) -> int | None:
    if header is None:
        return None
    index = headers.get(normalise_header(header))
    if index is None:
        if strict:
            display = layout.grid.display
            mapped.findings.append(finding("mapping-column-missing", file=display, column=header))
        return None
    used.add(index)
    return index


def _dropped(
    sheet: SheetMapping,
    headers: dict[str, int],
    layout: Layout,
    used: set[int],
    dob_index: int | None,
) -> list[int]:
    """Identifier columns: declared, the date of birth, and unused ones that look like one."""
    dropped = [headers[k] for k in map(normalise_header, sheet.identifiers) if k in headers]
    if dob_index is not None:
        dropped.append(dob_index)
    data = [layout.grid.rows[i] for i in layout.data]
    for index, header in enumerate(layout.headers):
        if index in used or index in dropped or not header.strip():
            continue
        named = field_form(header) in IDENTIFYING_HEADERS
        cells = [row[index] for row in data if row[index].strip()]
        if named or (cells and bool((detect(pa.array(cells, pa.string())) >= 0).any())):
            dropped.append(index)
    used.update(dropped)
    return sorted(set(dropped))


def _report_columns(
    grid: Grid, layout: Layout, used: set[int], dropped: list[int], mapped: Mapped
) -> None:
    names = [layout.headers[i] for i in dropped]
    if names:
        mapped.dropped_columns[grid.display] = names
        detail = _quoted(names)
        mapped.findings.append(
            finding("identifier-columns-dropped", file=grid.display, detail=detail)
        )
    unused = [
        header
        for index, header in enumerate(layout.headers)
        if index not in used and header.strip()
    ]
    if unused:
        verb = "Column" if len(unused) == 1 else "Columns"
        detail = f"{verb} {_quoted(unused)} {'is' if len(unused) == 1 else 'are'}"
        mapped.findings.append(
            finding("mapping-columns-unmapped", file=grid.display, detail=detail)
        )


def _quoted(names: list[str]) -> str:
    shown = [f"'{name.strip()}'" for name in names]
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _note_formulas(grid: Grid, index: int, used: set[int], layout: Layout, mapped: Mapped) -> None:
    for (row, column), formula in grid.formulas.items():
        if row == index and column in used and column < len(layout.headers):
            mapped.findings.append(
                finding(
                    "formula-in-cell",
                    file=grid.display,
                    row=grid.row_numbers[index],
                    column=layout.headers[column],
                    value=formula,
                )
            )


def _table(record_type: str, records: list[RowRecord]) -> MappedTable:
    """The records as one table: the standard's column order, only columns some fill."""
    filled = {name for record in records for name, value in record.values.items()}
    items = sorted((name for name in filled if ITEM_COLUMN.match(name)), key=lambda n: int(n[5:]))
    count = int(items[-1][5:]) if items else 0
    names: list[str] = []
    for name in RECORD_TYPES[record_type].model_fields:
        if name == "items" and record_type == "outcome":
            names += [f"item_{n}" for n in range(1, count + 1)]
        elif name in filled:
            names.append(name)
    arrays = [pa.array([r.values.get(name) for r in records], pa.string()) for name in names]
    return MappedTable(
        record_type=record_type,
        table=pa.Table.from_arrays(arrays, names=names),
        origins=[record.origin for record in records],
        derived_ids=[record.derived_id for record in records],
    )
