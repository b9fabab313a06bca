"""``peerbench map``: propose a mapping file for a charity's own spreadsheet.

The proposer reads each sheet (or CSV file), finds its header row, and matches sheet
names, headers and values to the standard: record types from sheet names, fields from
header synonyms (``synonyms.yaml``), code-list labels, each instrument's answer words and
item ranges, date formats, the local id column and the direct identifiers. The result,
:class:`Proposal`, renders as commented YAML (mapping language version 2, SPEC §7.3)
that a coordinator edits, and previews the first records as the standard would read
them.

Only headers and labels are ever written to the YAML or the preview's notes: no cell
value that could identify a person (names, ids, dates of birth).
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from peerbench.intake.grid import read_grids
from peerbench.intake.propose_model import Said, SheetInput, SheetProposal
from peerbench.intake.propose_preview import preview_mapping
from peerbench.intake.propose_read import sheet_input
from peerbench.intake.propose_sheet import propose_sheet
from peerbench.intake.propose_workbook import one_home_per_record_type
from peerbench.intake.propose_yaml import render
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.instruments.registry import InstrumentRegistry, default_registry
from peerbench.validators.limits import DEFAULT_LIMITS, Limits
from peerbench.validators.report import Finding

SERVICE_PLACEHOLDER = "TODO: your service id"
"""Written where the sheet holds no service: it fails validation until replaced, so a
forgotten edit can never send rows under a made-up service."""


@dataclass
class Proposal:
    """A proposed mapping: what was matched, how sure, and what is left to decide."""

    files: list[str]
    sheets: list[SheetProposal]
    left_out: list[str] = field(default_factory=list)
    """Sheets that matched no record type (written as comments, not as sheets)."""
    constants: dict[str, Said] = field(default_factory=dict)
    date_format: Said | None = None
    todos: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    """What reading the files found (encoding guessed, a limit, an unreadable file)."""
    paths: list[Path] = field(default_factory=list)
    """The spreadsheets proposed for, as given (the preview reads them again)."""
    registry: InstrumentRegistry | None = None
    """The instruments proposed from (None: the built-in ones); the preview uses them too."""

    def to_yaml(self) -> str:
        """The commented mapping file (version 2)."""
        return render(
            self.sheets,
            files=self.files,
            constants=self.constants,
            date_format=self.date_format,
            todos=self.todos,
            notes=self.notes,
            left_out=self.left_out,
        )

    def preview(self, rows: int = 3, registry: InstrumentRegistry | None = None) -> str:
        """The first ``rows`` records of each record type as ``prepare`` will read them.

        The proposed YAML is loaded and applied to the spreadsheets (``paths``) exactly
        as ``prepare`` does; the local id is shown as *(pseudonymised at prepare)* and
        identifier columns as dropped, so the text holds no identifying value.
        """
        registry = registry or self.registry
        return preview_mapping(self.to_yaml(), self.paths, rows=rows, registry=registry)

    def unreadable(self) -> bool:
        """Whether no sheet of any file could be read (every file empty or damaged)."""
        return not self.sheets and not self.left_out and bool(self.findings)

    def todo_count(self) -> int:
        """How many decisions are left to the coordinator (``# TODO:`` lines)."""
        return self.to_yaml().count("# TODO:")

    def summary(self, mapping: str) -> str:
        """What was matched, what is left, and the next command, for the coordinator."""
        lines = ["Matched:"]
        lines += [f"  {line}" for line in self.matched()] or ["  nothing"]
        lines += [f"  {text}" for text in self.left_out]
        count = self.todo_count()
        left = "nothing" if count == 0 else f"{count} TODO line{'s' if count != 1 else ''}"
        lines.append(f"Left to decide: {left} in {mapping}.")
        files = " ".join(_shell(name) for name in self.files)
        lines.append(
            f"Next: edit {mapping} where it says TODO, then run\n"
            f"  peerbench prepare {files} --mapping {_shell(mapping)} "
            "--key-file org.key --out prepared/"
        )
        return "\n".join(lines)

    def matched(self) -> list[str]:
        """One line per sheet: what it feeds and how many columns were matched."""
        out = []
        for sheet in self.sheets:
            mapped = sum(len(b.columns) for b in sheet.blocks)
            mapped += sum(
                len(tp.items) + (tp.total is not None) + (tp.date is not None)
                for b in sheet.blocks
                for tp in b.timepoints.values()
            )
            parts = [f"{mapped} column(s) mapped"]
            if sheet.id_column is not None:
                parts.append(f"local id '{sheet.id_column.value}'")
            dropped = len(sheet.identifiers) + (sheet.date_of_birth is not None)
            if dropped:
                parts.append(f"{dropped} identifier column(s) to drop")
            if sheet.unknown:
                parts.append(f"{len(sheet.unknown)} not matched")
            feeds = ", ".join(b.stem for b in sheet.blocks)
            out.append(f"{sheet.key} -> {feeds}: {'; '.join(parts)}")
        return out


def _shell(text: str) -> str:
    """``text`` quoted for a shell when it holds anything but safe characters."""
    return shlex.quote(text)


def read_sheets(
    paths: Sequence[Path],
    definitions: Sequence[InstrumentDefinition],
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[list[SheetInput], list[Finding]]:
    """Every sheet of every file as the proposer reads it, and what reading them found.

    Raises:
        FileNotFoundError: A file does not exist.
    """
    inputs: list[SheetInput] = []
    findings: list[Finding] = []
    for path in paths:
        for grid in read_grids(Path(path), limits):
            findings.extend(grid.findings)
            if grid.rows:
                inputs.append(sheet_input(grid, definitions))
    return inputs, findings


def propose_mapping(
    paths: Sequence[Path],
    registry: InstrumentRegistry | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> Proposal:
    """Propose a mapping for a charity's spreadsheets (``.xlsx``, ``.csv``).

    Args:
        paths: The spreadsheets, as the user named them.
        registry: The instrument registry (default: the built-in instruments).
        limits: Resource limits for reading the spreadsheets.

    Raises:
        FileNotFoundError: A file does not exist.
    """
    defs = list(registry if registry is not None else default_registry())
    inputs, findings = read_sheets(paths, defs, limits)
    proposal = propose_from_sheets(inputs, defs)
    proposal.files = [str(path) for path in paths]
    proposal.findings = findings
    proposal.paths = [Path(path) for path in paths]
    proposal.registry = registry
    return proposal


def propose_from_sheets(
    inputs: Sequence[SheetInput],
    definitions: Sequence[InstrumentDefinition] | None = None,
) -> Proposal:
    """Propose a mapping for sheets already read (the pure core of :func:`propose_mapping`).

    Args:
        inputs: Every sheet of every file, in order.
        definitions: The instrument registry (default: the built-in instruments).
    """
    defs = list(default_registry()) if definitions is None else list(definitions)
    files = list(dict.fromkeys(i.file for i in inputs))
    proposal = Proposal(files=files, sheets=[])
    for item in inputs:
        sheet = propose_sheet(
            item.key,
            item.headers,
            item.rows,
            defs,
            file=item.file,
            sheet=item.sheet,
            header_row=item.header_row,
        )
        sheet.notes[:0] = list(item.notes)
        proposal.sheets.append(sheet)
    one_home_per_record_type(proposal.sheets)
    for sheet in list(proposal.sheets):
        if not sheet.blocks:
            proposal.sheets.remove(sheet)
            name = Path(sheet.file).name  # the file's name only: folders may name people
            where = f"sheet '{sheet.sheet}' of {name}" if sheet.sheet else name
            proposal.left_out.append(
                f"{where} matched no record type and is left out; add it under sheets: "
                "if it holds data"
            )
    if not proposal.sheets:
        proposal.todos.append(
            "no sheet matched a record type: add each sheet that holds records under "
            "sheets: with its id_column and blocks (SPEC §7.2)"
        )
    _service(proposal)
    _date_format(proposal)
    return proposal


def _service(proposal: Proposal) -> None:
    """A constant service_id where a block needs one and no column gives it."""
    needs = [
        sheet.key
        for sheet in proposal.sheets
        for block in sheet.blocks
        if block.stem != "organisations"
        and "service_id" not in {s.value for s in block.columns.values()}
        and block.stem != "services"
    ]
    if needs:
        proposal.constants["service_id"] = Said(
            SERVICE_PLACEHOLDER, "unsure", "no column names the service"
        )
        proposal.todos.append(
            "constants: service_id: write your service's id (as agreed with the pool) "
            "instead of the placeholder"
        )


def _date_format(proposal: Proposal) -> None:
    """One file-wide date format from every date column's cells."""
    found = [
        (sheet.key, header, fmt)
        for sheet in proposal.sheets
        for header, fmt in sheet.date_formats.items()
    ]
    unreadable = [f"'{header}'" for _, header, (fmt, _, _) in found if fmt is None]
    if unreadable:
        reasons = sorted({reason for _, _, (fmt, _, reason) in found if fmt is None})
        proposal.todos.append(
            f"dates in {', '.join(unreadable)} cannot be read as DD/MM/YYYY or YYYY-MM-DD "
            f"({'; '.join(reasons)}); peerbench never guesses month-first dates: check the "
            "column and tell the helpdesk"
        )
    dayfirst = [(h, c, r) for _, h, (fmt, c, r) in found if fmt == "dd/mm/yyyy"]
    if dayfirst:
        certain = [(h, r) for h, c, r in dayfirst if c == "certain"]
        if certain:
            header, reason = certain[0]
            proposal.date_format = Said("dd/mm/yyyy", "certain", f"{reason} in '{header}'")
        else:
            proposal.date_format = Said("dd/mm/yyyy", "likely", dayfirst[0][2])
            proposal.todos.append(
                "date_format: no day above 12 was seen; check the dates are day first"
            )
    elif found and all(fmt == "iso" for _, _, (fmt, _, _) in found):
        proposal.date_format = Said("iso", "certain", "dates written YYYY-MM-DD")
