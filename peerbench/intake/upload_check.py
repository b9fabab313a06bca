"""Check uploaded spreadsheets the way ``map``, ``prepare`` and ``validate`` do, for a form.

The web portal's upload flow, as library code with no web or database in it:

1. :func:`is_standard_shape`: files already in the standard's shape (the Excel
   template, or files named by record type with standard headers) are validated as
   they are, like ``peerbench validate`` (:func:`check_standard`).
2. Otherwise :func:`propose` runs the SAME proposer as ``peerbench map`` — or takes a
   mapping the organisation saved, when it fits the same headers — and the result is
   shown as a form (:mod:`peerbench.intake.mapping_form`).
3. The confirmed mapping goes through the SAME :func:`~peerbench.intake.prepare.prepare`
   as ``peerbench prepare`` (:func:`prepare_confirmed`).
4. :func:`~peerbench.intake.grouped_findings.group_findings` groups a report's findings
   by problem code, each with the spreadsheet row, the column (letter and the
   coordinator's own header) and the catalogue's fix hint.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from peerbench.intake.grouped_findings import (
    Columns,
    FindingGroup,
    Place,
    column_places,
    columns_from_json,
    columns_to_json,
    group_findings,
)
from peerbench.intake.mapping import ANY_SHEET, MappingFile, parse_mapping
from peerbench.intake.prepare import PrepareResult, prepare
from peerbench.intake.propose import Proposal, propose_from_sheets, read_sheets
from peerbench.intake.propose_model import SheetInput
from peerbench.io.headers import normalise_header
from peerbench.schema.instruments.registry import InstrumentRegistry, default_registry
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators import validate
from peerbench.validators.limits import DEFAULT_LIMITS, Limits
from peerbench.validators.mapping import ITEM_COLUMN, _StringLoader, standard_columns
from peerbench.validators.readers import FORMATS, open_sources
from peerbench.validators.readers.version import DESCRIPTOR_NAME, MANIFEST_NAME, NOT_DATA
from peerbench.validators.report import Finding, Report

__all__ = [
    "Columns",
    "FindingGroup",
    "Place",
    "Proposed",
    "check_standard",
    "column_places",
    "columns_from_json",
    "columns_to_json",
    "group_findings",  # re-exported from grouped_findings
    "is_standard_shape",
    "load_mapping_text",
    "mapping_fits",
    "mapping_yaml",
    "needs_key",
    "prepare_confirmed",
    "propose",
]

UNUSED_KEY = bytes(32)
"""Passed to ``prepare`` when no sheet has a local id: nothing is pseudonymised with it."""


def is_standard_shape(paths: Sequence[Path], limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether every file is already the standard's: record types by name, standard headers.

    The Excel template filled in, or ``participants.csv``-style files, need no mapping:
    they are validated as they are (their ``participant_key`` is already a pseudonym).
    """
    data = [Path(p) for p in paths if Path(p).name not in NOT_DATA]
    if not data:
        return False
    for path in data:
        if Path(path).suffix.lower() not in FORMATS:
            return False
        sources = open_sources(Path(path), limits=limits)
        if not sources:
            return False
        for source in sources:
            if source.record_type is None or not source.columns:
                return False
            allowed = set(standard_columns(source.record_type))
            for column in source.columns:
                if column not in allowed and not (
                    source.record_type == "outcome" and ITEM_COLUMN.match(column)
                ):
                    return False
    return True


def check_standard(
    paths: Sequence[Path], *, today: dt.date | None = None, limits: Limits = DEFAULT_LIMITS
) -> Report:
    """Validate files in the standard's shape exactly as ``peerbench validate`` does.

    Files with no record at all (the blank template sent back) are never valid: like
    ``prepare``'s empty output, each is a ``file-empty`` error.
    """
    files = [Path(p) for p in paths if Path(p).name != DESCRIPTOR_NAME]  # describes, not data
    folders = {p.parent for p in files}
    if any(p.name == MANIFEST_NAME for p in files) and len(folders) == 1:
        # With its manifest (the standard version), the folder is read as one dataset.
        report = validate([folders.pop()], today=today, limits=limits)
    else:
        report = validate(files, today=today, limits=limits)
    if report.valid and not any(summary.rows for summary in report.files):
        for path in paths:
            report.add("file-empty", file=str(path), detail="")
    return _bare_names(report)


@dataclass
class Proposed:
    """What the mapping form starts from.

    Attributes:
        mapping: The proposed (or saved) mapping.
        inputs: Every sheet as read (headers and rows, for the form).
        findings: What reading the files found (encoding, limits, damage).
        saved: The name of the saved mapping used, or None for a fresh proposal.
        todos: What the proposer left to decide (shown above the form).
        unreadable: No sheet of any file could be read.
    """

    mapping: MappingFile
    inputs: list[SheetInput]
    findings: list[Finding]
    saved: str | None = None
    todos: list[str] = field(default_factory=list)
    unreadable: bool = False


def load_mapping_text(text: str, source: str = "mapping") -> MappingFile:
    """A mapping file from its YAML text (as ``load_mapping`` reads a file).

    Raises:
        ValueError: not valid YAML or not a valid mapping.
    """
    try:
        data = yaml.load(text, Loader=_StringLoader)  # a SafeLoader
    except yaml.YAMLError as exc:
        raise ValueError(f"{source}: not valid YAML: {exc}") from None
    return parse_mapping(data, source)


def mapping_fits(mapping: MappingFile, inputs: Sequence[SheetInput]) -> bool:
    """Whether a saved mapping covers exactly these sheets' headers (same as last time).

    Every sheet the mapping names must be uploaded; on each sheet it maps, every header
    must be accounted for (a field, the id, an identifier, the date of birth, skipped,
    or a wide timepoint's column) and every header it names must be there. Sheets it
    does not map are left out, as the proposal leaves them out.
    """
    keys = {normalise_header(item.key) for item in inputs}
    if not mapping.sheets or any(
        k != ANY_SHEET and normalise_header(k) not in keys for k in mapping.sheets
    ):
        return False
    fitted = 0
    for item in inputs:
        sheet = mapping.sheet_for(item.key)
        if sheet is None or not sheet.blocks:
            continue  # left out, as the proposal leaves it out (prepare notes it)
        named: set[str] = set(sheet.identifiers) | set(sheet.skip)
        named |= {h for h in (sheet.id_column,) if h}
        if sheet.date_of_birth is not None:
            named.add(sheet.date_of_birth.column)
        for block in sheet.blocks.values():
            named |= set(block.columns)
            for tp in block.timepoints.values():
                count = _item_count(block.instrument)
                named |= set(tp.item_headers(count)) | {h for h in (tp.total, tp.date) if h}
        headers = {normalise_header(h) for h in item.headers if h.strip()}
        if {normalise_header(h) for h in named} != headers:
            return False
        fitted += 1
    return fitted > 0


def _item_count(instrument: str | None) -> int:
    if instrument is None:
        return 0
    try:
        return default_registry().get(instrument).item_count
    except KeyError:
        return 0


def propose(
    paths: Sequence[Path],
    *,
    saved: Sequence[tuple[str, str]] = (),
    registry: InstrumentRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Proposed:
    """The mapping to show: a saved one that fits these headers, else ``peerbench map``'s.

    Args:
        paths: The uploaded spreadsheets.
        saved: The organisation's saved mappings as ``(name, YAML)``, newest first.
        registry: Instruments (default: the built-in ones).
        limits: Resource limits for reading.
    """
    defs = list(registry if registry is not None else default_registry())
    inputs, findings = read_sheets(paths, defs, limits)
    findings = [_bare(f) for f in findings]
    if not inputs:
        empty = MappingFile(version=2)
        return Proposed(empty, [], findings, unreadable=True)
    for name, text in saved:
        try:
            mapping = load_mapping_text(text, name)
        except ValueError:
            continue
        if mapping_fits(mapping, inputs):
            return Proposed(mapping, inputs, findings, saved=name)
    proposal: Proposal = propose_from_sheets(inputs, defs)
    mapping = load_mapping_text(proposal.to_yaml(), "proposal")
    todos = list(proposal.todos)
    for sheet in proposal.sheets:
        todos += sheet.todos + [t for block in sheet.blocks for t in block.todos]
    todos += proposal.left_out
    return Proposed(mapping, inputs, findings, todos=todos)


def prepare_confirmed(
    paths: Sequence[Path],
    mapping: MappingFile,
    key: bytes | None,
    out_dir: Path,
    *,
    today: dt.date | None = None,
    registry: InstrumentRegistry | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> PrepareResult:
    """``peerbench prepare`` of the confirmed mapping; findings name files without folders.

    ``key`` may be None only when no sheet has a local id (nothing to pseudonymise).
    """
    secret = key if key is not None else UNUSED_KEY
    result = prepare(
        list(paths),
        mapping,
        secret,
        out_dir,
        today=today,
        registry=registry,
        limits=limits,
        shown_as=Path(),
    )
    result.report = _bare_names(result.report)
    return result


def needs_key(mapping: MappingFile) -> bool:
    """Whether ``prepare`` will pseudonymise local ids with the organisation's key."""
    for sheet in mapping.sheets.values():
        if sheet.id_column:
            return True
        ids = ("participant_key", "worker_key")
        if any(n in b.columns.values() for b in sheet.blocks.values() for n in ids):
            return True
    return False


def mapping_yaml(mapping: MappingFile) -> str:
    """The mapping as a version 2 YAML file, blocks under their record types' stems."""
    data: dict[str, object] = {"version": 2}
    if mapping.date_format:
        data["date_format"] = mapping.date_format
    if mapping.constants:
        data["constants"] = dict(mapping.constants)
    sheets: dict[str, object] = {}
    for key, sheet in mapping.sheets.items():
        part = sheet.model_dump(exclude_defaults=True, exclude={"blocks"})
        for record_type, block in sheet.blocks.items():
            stem = (
                RECORD_TYPES[record_type].file_stem if record_type in RECORD_TYPES else record_type
            )
            part[stem] = block.model_dump(exclude_defaults=True, exclude={"record_type"})
        sheets[key] = part
    data["sheets"] = sheets
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def _bare(finding: Finding) -> Finding:
    """The finding naming its file without the server's folders (``x.xlsx#Sheet``)."""
    if finding.file is None:
        return finding
    name, _, sheet = finding.file.partition("#")
    bare = Path(name).name + (f"#{sheet}" if sheet else "")
    return dataclasses.replace(finding, file=bare)


def _bare_names(report: Report) -> Report:
    report.findings = [_bare(f) for f in report.findings]
    for summary in report.files:
        name, _, sheet = summary.file.partition("#")
        summary.file = Path(name).name + (f"#{sheet}" if sheet else "")
    return report
