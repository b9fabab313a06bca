"""A report's findings grouped by problem, each at the coordinator's own row and column.

The portal shows a check's result the way a coordinator fixes it: one group per problem
code (errors, then warnings, then notes) with the catalogue's fix, and each place with
its file and sheet, the Excel row, and the column as they know it — its letter and their
own header — traced back through the mapping (:func:`column_places`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from peerbench.intake.mapping import MappingFile
from peerbench.intake.mapping_form import column_letter
from peerbench.intake.propose_model import SheetInput
from peerbench.io.headers import normalise_header
from peerbench.validators.catalogue import entry
from peerbench.validators.report import Finding, Report

__all__ = [
    "Columns",
    "FindingGroup",
    "Place",
    "column_places",
    "columns_from_json",
    "columns_to_json",
    "group_findings",
]


@dataclass(frozen=True)
class Place:
    """Where one finding is: file, sheet, spreadsheet row and column."""

    file: str | None
    sheet: str | None
    row: int | None
    letter: str | None
    header: str | None
    field: str | None
    value: str | None
    message: str


@dataclass
class FindingGroup:
    """Every finding of one problem code, with the fix."""

    code: str
    severity: str
    hint: str
    count: int
    places: list[Place]

    @property
    def title(self) -> str:
        """The first finding's message: what the problem is, in plain English."""
        return self.places[0].message if self.places else self.code


Columns = dict[tuple[str, str], tuple[str, str]]
"""(sheet key normalised, standard field) → (the coordinator's header, column letter)."""


def group_findings(report: Report, columns: Columns | None = None) -> list[FindingGroup]:
    """The report's findings grouped by code: errors first, then warnings, then notes.

    With ``columns`` (:func:`column_places` of the mapping and the sheets as read), each
    standard field is traced back to the coordinator's own header and column letter.
    """
    columns = columns or {}
    groups: dict[str, FindingGroup] = {}
    for finding in report.sorted_findings():
        group = groups.get(finding.code)
        if group is None:
            group = FindingGroup(
                finding.code,
                finding.severity.value,
                entry(finding.code).hint,
                report.by_code.get(finding.code, 0),
                [],
            )
            groups[finding.code] = group
        group.places.append(_place(finding, columns))
    rank = {"error": 0, "warning": 1, "note": 2}
    return sorted(groups.values(), key=lambda g: (rank.get(g.severity, 3), g.code))


def columns_to_json(columns: Columns) -> list[list[str]]:
    """``columns`` as JSON-ready rows ``[sheet, field, header, letter]``."""
    return [[s, f, h, letter] for (s, f), (h, letter) in sorted(columns.items())]


def columns_from_json(rows: Sequence[Sequence[str]]) -> Columns:
    """The inverse of :func:`columns_to_json`."""
    return {(str(r[0]), str(r[1])): (str(r[2]), str(r[3])) for r in rows if len(r) == 4}


def _split(display: str | None) -> tuple[str | None, str | None]:
    if display is None:
        return None, None
    name, _, sheet = display.partition("#")
    return Path(name).name, sheet or None


def _place(finding: Finding, columns: Columns) -> Place:
    file, sheet = _split(finding.file)
    header = letter = None
    if finding.column is not None:
        key = normalise_header(sheet if sheet is not None else (file or ""))
        header, letter = columns.get((key, finding.column), (None, None))
    return Place(
        file,
        sheet,
        finding.row,
        letter,
        header,
        finding.column,
        finding.value,
        finding.message,
    )


def column_places(mapping: MappingFile, inputs: Sequence[SheetInput]) -> Columns:
    """Where each mapped standard field is in the coordinator's sheets."""
    out: Columns = {}
    for item in inputs:
        sheet = mapping.sheet_for(item.key)
        if sheet is None:
            continue
        index = {normalise_header(h): i for i, h in enumerate(item.headers)}
        pairs = [(h, f) for b in sheet.blocks.values() for h, f in b.columns.items()]
        if sheet.id_column:
            pairs.append((sheet.id_column, "participant_key"))
            pairs.append((sheet.id_column, "worker_key"))
        if sheet.date_of_birth is not None:
            pairs.append((sheet.date_of_birth.column, "age_band"))
        for header, name in pairs:
            at = index.get(normalise_header(header))
            if at is not None:
                out[(normalise_header(item.key), name)] = (item.headers[at], column_letter(at))
    return out
