"""What checking a submission yields, shared by the checks and the process that runs them."""

from __future__ import annotations

import dataclasses

import pyarrow as pa

from peerbench.validators.report import Report


@dataclasses.dataclass
class Checked:
    """The outcome of checking: the report, canonical tables and where each row came from.

    ``origin[record_type]`` has columns ``file`` and ``row`` aligned with the table, so a
    server-side finding points at the user's file and spreadsheet row.
    """

    report: Report
    tables: dict[str, pa.Table]
    origin: dict[str, pa.Table]
    versions: dict[str, str | None] = dataclasses.field(default_factory=dict)
    """The standard version each file (or the JSON body) declared; None: none declared."""
