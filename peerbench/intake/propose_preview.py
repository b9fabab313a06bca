"""The first records of a proposal as the standard would read them.

The proposed YAML is loaded exactly as ``prepare`` will load it and applied to the
spreadsheets with :func:`peerbench.intake.transform.apply_mapping`, so the preview is
what the mapping does, not what the proposer meant. Nothing that identifies a person is
shown: the local id is *(pseudonymised at prepare)*, identifier columns are listed as
dropped (by header), a date of birth has already become an age band, and free text is
shown only as its length.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from peerbench.intake.grid import read_grids
from peerbench.intake.mapping import parse_mapping
from peerbench.intake.transform import Mapped, MappedTable, apply_mapping
from peerbench.schema.instruments.registry import InstrumentRegistry
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators.catalogue import Severity
from peerbench.validators.mapping import ITEM_COLUMN, _StringLoader

PSEUDONYMISED = "(pseudonymised at prepare)"
DERIVED_ID = "(made at prepare)"


def preview_mapping(
    yaml_text: str,
    paths: Sequence[Path],
    *,
    rows: int = 3,
    registry: InstrumentRegistry | None = None,
) -> str:
    """Apply a mapping's YAML to the spreadsheets and describe the first ``rows`` records.

    Raises:
        ValueError: the YAML is not a valid mapping (it no longer loads after an edit).
    """
    data = yaml.load(yaml_text, Loader=_StringLoader)  # a SafeLoader: no arbitrary objects
    mapping = parse_mapping(data, "the proposed mapping")
    grids = [grid for path in paths for grid in read_grids(Path(path))]
    return render_preview(apply_mapping(grids, mapping, registry), rows)


def render_preview(mapped: Mapped, rows: int) -> str:
    """The text of a preview of ``mapped`` (see the module docstring for what is hidden)."""
    lines = [f"Preview: the first {rows} record(s) of each record type, as prepare will read them"]
    if not mapped.tables:
        lines.append("  no records: the mapping feeds no record type yet")
    for record_type, mapped_table in mapped.tables.items():
        stem = RECORD_TYPES[record_type].file_stem
        count = mapped_table.table.num_rows
        lines.append(f"{stem}: {count:,} record{'s' if count != 1 else ''}")
        for index in range(min(rows, count)):
            origin = mapped_table.origins[index]
            where = _short(origin.display)
            lines.append(f"  {where} row {origin.row}: {_record(mapped_table, index)}")
    for where, headers in mapped.dropped_columns.items():
        if headers:
            lines.append(f"Dropped at prepare from {_short(where)}: {', '.join(headers)}")
    errors = sum(1 for f in mapped.findings if f.severity is Severity.ERROR)
    warnings = sum(1 for f in mapped.findings if f.severity is Severity.WARNING)
    if errors or warnings:
        lines.append(
            f"Mapping the whole file gave {errors} error(s) and {warnings} warning(s); "
            "`peerbench prepare` lists them at the rows you see in Excel."
        )
    return "\n".join(lines)


def _short(display: str) -> str:
    """``clients.xlsx#Clients`` for ``/home/someone/clients.xlsx#Clients``: no folders."""
    file, hash_sign, sheet = display.partition("#")
    return f"{Path(file).name}{hash_sign}{sheet}"


def _record(mapped_table: MappedTable, index: int) -> str:
    table = mapped_table.table
    parts: list[str] = []
    items: list[str] = []
    for name in table.column_names:
        value = table.column(name)[index].as_py()
        if ITEM_COLUMN.match(name):
            items.append("." if value in (None, "") else str(value))
            continue
        if value in (None, ""):
            continue
        if name in ("participant_key", "worker_key"):
            value = PSEUDONYMISED
        elif name == "record_id" and mapped_table.derived_ids[index]:
            value = DERIVED_ID
        elif name == "free_text":
            value = f"({len(str(value))} characters of text)"
        parts.append(f"{name}={value}")
    while items and items[-1] == ".":  # columns of a longer instrument in the same table
        items.pop()
    if items:
        parts.append(f"items=[{' '.join(items)}]")
    return ", ".join(parts)
