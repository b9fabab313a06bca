"""A mapping file as a form a coordinator can confirm or change, and back.

The web portal shows the mapping step of ``peerbench map`` as a form: for each sheet,
each of the coordinator's headers with what it is proposed to be (a standard field, the
local participant id, an identifier to drop, the date of birth, or left out), and each
local label of a code-list column with the code it is proposed to mean. The form is
built from a :class:`~peerbench.intake.mapping.MappingFile` (the proposal's, or a
mapping saved last quarter) and the sheets as read, and the answers are written back
into the SAME mapping model, so what the form confirms is exactly what ``prepare``
applies. Wide layouts (one row per person, columns per timepoint) keep the proposal's
timepoints; their columns are shown, not changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from peerbench.intake.mapping import MappingFile, SheetMapping
from peerbench.intake.propose import SERVICE_PLACEHOLDER
from peerbench.intake.propose_labels import _plain_label as plain_label
from peerbench.intake.propose_match import field_spec
from peerbench.intake.propose_model import SheetInput
from peerbench.intake.propose_values import distinct
from peerbench.io.headers import normalise_header
from peerbench.schema.header_words import normalise
from peerbench.schema.instruments.registry import InstrumentRegistry, default_registry
from peerbench.schema.records import RECORD_TYPES, RECORD_TYPES_BY_STEM
from peerbench.validators.mapping import standard_columns

__all__ = [
    "Choice",
    "ColumnRow",
    "FormError",
    "MappingForm",
    "SheetForm",
    "ValueRow",
    "build_form",
]

SKIP, LOCAL_ID, IDENTIFIER, DATE_OF_BIRTH, WIDE = "skip", "id", "identifier", "dob", "wide"
MAX_LABELS = 30
"""Labels of one column offered for mapping; a column with more is not a code list."""


@dataclass(frozen=True)
class Choice:
    """One option of a select: the value sent back and what the coordinator reads."""

    value: str
    label: str


@dataclass
class ColumnRow:
    """One header of a sheet and what it is taken to be.

    Attributes:
        name: The form field's name (and id).
        header: The header as written in the spreadsheet.
        letter: The spreadsheet column (``A``, ``B`` … ``AA``).
        value: The current choice (a :class:`Choice` value).
        choices: What it may be.
        fixed: Part of a wide layout: shown, not changed here.
    """

    name: str
    header: str
    letter: str
    value: str
    choices: list[Choice]
    fixed: bool = False

    def chosen_label(self) -> str:
        """The label of the current choice."""
        return next((c.label for c in self.choices if c.value == self.value), self.value)


@dataclass
class ValueRow:
    """One local label of a code-list column and the code it means."""

    name: str
    header: str
    stem: str
    field: str
    label: str
    value: str
    choices: list[Choice]


@dataclass
class SheetForm:
    """One sheet (or CSV file): its headers and labels."""

    key: str
    title: str
    feeds: list[str]
    columns: list[ColumnRow] = field(default_factory=list)
    values: list[ValueRow] = field(default_factory=list)


@dataclass
class MappingForm:
    """The whole form: the service, the date format, and each sheet."""

    service_id: str
    needs_service: bool
    date_format: str
    sheets: list[SheetForm]

    @property
    def needs_key(self) -> bool:
        """Whether some sheet has a local id to pseudonymise (the form asks for the key)."""
        return any(row.value == LOCAL_ID for sheet in self.sheets for row in sheet.columns)


@dataclass(frozen=True)
class FormError:
    """A problem with one answer: the field's id and what to do."""

    field_id: str
    text: str


DATE_FORMATS = [
    Choice("", "Dates are written year first (2026-03-31), or there are no dates"),
    Choice("dd/mm/yyyy", "Day first, as in the UK (31/03/2026)"),
    Choice("iso", "Year first (2026-03-31)"),
]


def column_letter(index: int) -> str:
    """``0`` → ``A``, ``26`` → ``AA``: the spreadsheet's name of a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _field_choices(stems: Sequence[str], item_count: int) -> list[Choice]:
    out = []
    for stem in stems:
        record_type = RECORD_TYPES_BY_STEM[stem].record_type
        for name in standard_columns(record_type):
            out.append(Choice(f"{stem}:{name}", f"{stem}: {name}"))
        if stem == "outcomes":
            out += [
                Choice(f"{stem}:item_{n}", f"{stem}: item_{n}") for n in range(1, item_count + 1)
            ]
    return out


def _base_choices() -> list[Choice]:
    return [
        Choice(SKIP, "Leave out (not needed)"),
        Choice(LOCAL_ID, "Our participant id (replaced by a pseudonym, never sent)"),
        Choice(IDENTIFIER, "Name, contact or other identifier (dropped, never sent)"),
        Choice(DATE_OF_BIRTH, "Date of birth (age band worked out, then dropped)"),
    ]


def _wide_headers(sheet: SheetMapping, item_count: int) -> set[str]:
    found: set[str] = set()
    for block in sheet.blocks.values():
        for timepoint in block.timepoints.values():
            found.update(normalise_header(h) for h in timepoint.item_headers(item_count))
            found.update(normalise_header(h) for h in (timepoint.total, timepoint.date) if h)
    return found


def _role(sheet: SheetMapping, header: str, wide: set[str]) -> str:
    """The current choice for ``header`` in ``sheet`` ("" when nothing maps it)."""
    key = normalise_header(header)
    if sheet.id_column is not None and normalise_header(sheet.id_column) == key:
        return LOCAL_ID
    if sheet.date_of_birth is not None and normalise_header(sheet.date_of_birth.column) == key:
        return DATE_OF_BIRTH
    if key in {normalise_header(h) for h in sheet.identifiers}:
        return IDENTIFIER
    for record_type, block in sheet.blocks.items():
        for local, name in block.columns.items():
            if normalise_header(local) == key:
                return f"{RECORD_TYPES[record_type].file_stem}:{name}"
    if key in wide:
        return WIDE
    return SKIP


def _stems(sheet: SheetMapping) -> list[str]:
    return [RECORD_TYPES[rt].file_stem for rt in sheet.blocks if rt in RECORD_TYPES]


def _max_items(registry: InstrumentRegistry) -> int:
    return max((d.item_count for d in registry), default=0)


def build_form(
    mapping: MappingFile,
    inputs: Sequence[SheetInput],
    registry: InstrumentRegistry | None = None,
) -> MappingForm:
    """The form for ``mapping`` over the sheets as read (:func:`read_sheets`).

    Args:
        mapping: The proposal (``parse_mapping`` of :meth:`Proposal.to_yaml`) or a saved
            mapping.
        inputs: Every sheet of the upload, headers and data rows (labels are taken
            from the rows of code-list columns; nothing else of the data is shown).
        registry: Instruments (their item counts bound the ``item_N`` choices).
    """
    items = _max_items(registry if registry is not None else default_registry())
    service = mapping.constants.get("service_id", "")
    form = MappingForm(
        service_id="" if service == SERVICE_PLACEHOLDER else service,
        needs_service=False,
        date_format=mapping.date_format or "",
        sheets=[],
    )
    for i, item in enumerate(inputs):
        sheet = mapping.sheet_for(item.key)
        if sheet is None or not sheet.blocks:
            continue
        stems = _stems(sheet)
        base = _base(item.file)
        where = f"sheet '{item.sheet}' of {base}" if item.sheet else f"file {base}"
        part = SheetForm(key=item.key, title=where, feeds=stems)
        wide = _wide_headers(sheet, items)
        choices = _base_choices() + _field_choices(stems, items)
        for j, header in enumerate(item.headers):
            if not header.strip():
                continue
            role = _role(sheet, header, wide)
            row_choices = (
                choices if role != WIDE else [Choice(WIDE, "Part of the answers by timepoint")]
            )
            if role not in {c.value for c in row_choices}:
                row_choices = [*row_choices, Choice(role, role.replace(":", ": "))]
            part.columns.append(
                ColumnRow(f"col-{i}-{j}", header, column_letter(j), role, row_choices, role == WIDE)
            )
        part.values = _value_rows(i, item, sheet, part.columns)
        form.needs_service |= _needs_service(mapping, sheet)
        form.sheets.append(part)
    return form


def _base(file: str) -> str:
    return file.replace("\\", "/").rsplit("/", 1)[-1]


def _needs_service(mapping: MappingFile, sheet: SheetMapping) -> bool:
    for record_type, block in sheet.blocks.items():
        if "service_id" not in standard_columns(record_type) or record_type == "service":
            continue
        if "service_id" not in block.columns.values():
            return True
    return False


def _value_rows(
    i: int, item: SheetInput, sheet: SheetMapping, columns: Sequence[ColumnRow]
) -> list[ValueRow]:
    rows: list[ValueRow] = []
    headers = list(item.headers)
    for column in columns:
        if ":" not in column.value:
            continue
        stem, name = column.value.split(":", 1)
        spec = field_spec(stem, name) if not name.startswith("item_") else None
        if spec is None or spec.codelist is None:
            continue
        record_type = RECORD_TYPES_BY_STEM[stem].record_type
        block = sheet.blocks.get(record_type)
        index = headers.index(column.header)
        labels = distinct(r[index] for r in item.rows if index < len(r))
        if len(labels) > MAX_LABELS:
            continue
        lookup = spec.codelist.lookup()
        choices = [Choice("", "Choose…")] + [
            Choice(m.value, f"{m.label} ({m.value})") for m in spec.codelist
        ]
        for label in labels:
            if not plain_label(label):
                continue  # never shown: it may be a name or contact detail (validate flags it)
            own = block.value_code(name, label) if block is not None else None
            if own is None and normalise(label) in lookup:
                continue  # the code list takes it as written
            rows.append(
                ValueRow(
                    f"val-{i}-{len(rows)}", column.header, stem, name, label, own or "", choices
                )
            )
    return rows
