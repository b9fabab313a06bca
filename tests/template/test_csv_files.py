"""Header-only CSV templates, one per record type."""

from __future__ import annotations

import csv
from pathlib import Path

from peerbench.schema.records import RECORD_TYPES
from peerbench.template import template_columns, write_csv_templates


def test_one_header_only_csv_per_record_type(tmp_path: Path) -> None:
    written = write_csv_templates(tmp_path)
    assert [p.name for p in written] == [f"{m.file_stem}.csv" for m in RECORD_TYPES.values()]
    for model in RECORD_TYPES.values():
        with open(tmp_path / f"{model.file_stem}.csv", encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows == [[c.header for c in template_columns(model)]]


def test_item_count_can_be_chosen(tmp_path: Path) -> None:
    write_csv_templates(tmp_path, item_count=3)
    header = (tmp_path / "outcomes.csv").read_text(encoding="utf-8")
    assert "item_3," in header and "item_4" not in header
