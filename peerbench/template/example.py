"""A filled example of the Excel template: the template's own workbook with synthetic rows.

Coordinators learn the template fastest from a filled copy. The example is the SAME
workbook as ``peerbench template`` (drop-downs, notes, instructions, data dictionary)
with a small synthetic dataset (:mod:`peerbench.synth`, one organisation) typed into
its sheets exactly as the synthetic CSV files spell each value, so it validates as it
is. The bytes are the same on every run (``peerbench template --example``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from pathlib import Path

from peerbench.io.formulas import xlsx_row
from peerbench.io.tabular import FileFormat
from peerbench.schema.records import RECORD_TYPES
from peerbench.synth.config import SynthConfig
from peerbench.synth.generator import generate
from peerbench.synth.writer import write_dataset
from peerbench.template.workbook import _reproducible, build_workbook

__all__ = ["EXAMPLE_CONFIG", "example_workbook_bytes"]

EXAMPLE_CONFIG = SynthConfig(
    seed=20260101, organisations=1, outcome_rows=40, as_of=dt.date(2026, 9, 30)
)
"""The example's data: one organisation, 40 questionnaires, nothing after 30 Sep 2026."""


def example_workbook_bytes(config: SynthConfig = EXAMPLE_CONFIG) -> bytes:
    """The template workbook filled with ``config``'s synthetic rows, as xlsx bytes."""
    workbook = build_workbook()
    with tempfile.TemporaryDirectory(prefix="peerbench-example-") as folder:
        paths = write_dataset(generate(config), Path(folder), FileFormat.CSV)
        for record_type, model in RECORD_TYPES.items():
            path = paths.get(record_type)
            if path is None:
                continue
            sheet = workbook[model.file_stem]
            headers = [str(cell.value) for cell in sheet[1]]
            with path.open(encoding="utf-8", newline="") as handle:
                for row in csv.DictReader(handle):
                    values = [row.get(header) or "" for header in headers]
                    sheet.append(xlsx_row(sheet, values))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return _reproducible(buffer.getvalue())
