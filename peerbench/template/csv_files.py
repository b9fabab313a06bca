"""Header-only CSV templates: one file per record type, named after its file stem."""

from __future__ import annotations

from pathlib import Path

from peerbench.io.atomic import atomic_path
from peerbench.io.formulas import csv_rows
from peerbench.schema.records import RECORD_TYPES
from peerbench.template.columns import template_columns


def csv_header(record_type: str, item_count: int | None = None) -> str:
    """The header line (with line ending) of the CSV template for ``record_type``."""
    headers = [c.header for c in template_columns(RECORD_TYPES[record_type], item_count)]
    return csv_rows(headers, [])


def write_csv_templates(directory: Path, item_count: int | None = None) -> list[Path]:
    """Write ``<file_stem>.csv`` for every record type into ``directory``.

    Returns:
        The files written, in SPEC order.
    """
    written = []
    for record_type, model in RECORD_TYPES.items():
        path = directory / f"{model.file_stem}.csv"
        with atomic_path(path) as tmp:
            # Plain UTF-8 without a BOM: the standard's CSV convention (SPEC "File conventions").
            tmp.write_text(csv_header(record_type, item_count), encoding="utf-8")
        written.append(path)
    return written
