"""One record-type block of a sheet, planned once and applied to each row.

:func:`plan_block` resolves a block's headers to column indexes once per sheet;
:func:`records_of_row` turns one spreadsheet row into that block's records (one, none,
or for a wide outcomes block one per timepoint answered), translating each cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from peerbench.intake.cells import answer_code, code_for, is_no_answer, parse_date
from peerbench.intake.mapping import MappingFile, RecordBlock, SheetMapping
from peerbench.intake.wide import WideColumns, occasion_of, outcome_record_id, wide_columns
from peerbench.io.headers import normalise_header
from peerbench.schema.instruments import InstrumentRegistry, UnknownInstrumentError
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators.mapping import ITEM_COLUMN
from peerbench.validators.readers.sources import finding
from peerbench.validators.report import Finding

if TYPE_CHECKING:
    from peerbench.intake.transform import Origin

__all__ = ["BlockPlan", "RowRecord", "plan_block", "records_of_row"]

OUTCOME_DATA = frozenset(
    {"timepoint", "date_administered", "total_score", "licensed_score", "licensed_level"}
)
"""Outcome fields that belong to one questionnaire (with the items): a row with none
of them filled holds no questionnaire, and a wide layout sets them per timepoint."""

_LIST_SEPARATORS = (";", ",")


@dataclass
class RowRecord:
    """One record built from one spreadsheet row."""

    record_type: str
    values: dict[str, str | None]
    origin: Origin
    derived_id: bool = False


@dataclass
class BlockPlan:
    """A block's columns resolved against one sheet's header.

    Attributes:
        block: The mapping block (its ``record_type`` set).
        record_type: The block's record type.
        fields: ``(field, column index, header)`` for each mapped column, explicit
            (``columns``) or implicit (a header that is the field's own name).
        constants: Field → value for every record.
        wide: The timepoints of a wide outcomes block.
        long: Whether rows give a record of their own (every block but a wide outcomes
            block without per-row questionnaire columns).
        used: Column indexes the block reads.
        missing: ``(header, detail)`` for each header the block names that the sheet
            lacks.
        date_format: How ambiguous dates are written.
        specs: Field name → its definition (kind, code list).
        answers: Normalised local answer word → code.
        lookups: Field → (normalised local label → code), from the block's ``values``.
    """

    block: RecordBlock
    record_type: str
    fields: list[tuple[str, int, str]]
    constants: dict[str, str]
    wide: list[WideColumns] = field(default_factory=list)
    long: bool = True
    used: set[int] = field(default_factory=set)
    missing: list[tuple[str, str]] = field(default_factory=list)
    date_format: str | None = None
    specs: dict[str, FieldSpec] = field(default_factory=dict)
    answers: dict[str, int] = field(default_factory=dict)
    lookups: dict[str, dict[str, str]] = field(default_factory=dict)
    shared: list[tuple[str, int, str]] = field(default_factory=list)
    """Fields every record of a row gets (not items; in a wide block, not questionnaire)."""
    questionnaire: list[tuple[str, int, str, bool]] = field(default_factory=list)
    """Questionnaire fields (items and OUTCOME_DATA), with whether each is an item."""
    cells: dict[tuple[str, str | None, str], str | None] = field(default_factory=dict)
    """Translations already made: ``(field, instrument, text)`` → text (rows repeat)."""


def plan_block(
    block: RecordBlock,
    mapping: MappingFile,
    sheet: SheetMapping,
    headers: dict[str, int],
    originals: list[str],
    registry: InstrumentRegistry,
) -> BlockPlan:
    """Resolve ``block``'s headers against a sheet (``headers``: normalised → index)."""
    record_type = block.record_type
    assert record_type is not None  # version 1 blocks get theirs from the sheet's name
    fields: list[tuple[str, int, str]] = []
    used: set[int] = set()
    missing: list[tuple[str, str]] = []
    for header, name in block.columns.items():
        index = headers.get(normalise_header(header))
        if index is None:
            missing.append((header, ""))
            continue
        fields.append((name, index, originals[index]))
        used.add(index)
    plan = BlockPlan(
        block=block,
        record_type=record_type,
        fields=fields,
        constants=mapping.constants_for(sheet, block),
        used=used,
        missing=missing,
        date_format=mapping.date_format_for(block),
        specs={spec.name: spec for spec in field_specs(RECORD_TYPES[record_type])},
        answers={normalise_header(word): code for word, code in block.answers.items()},
        lookups={name: block.value_lookup(name) for name in block.values},
    )
    if block.timepoints:
        plan.wide = wide_columns(block, headers, originals, registry)
        for columns in plan.wide:
            plan.missing += columns.missing
            plan.used.update(index for _, index, _ in columns.items)
            plan.used.update(part[0] for part in (columns.total, columns.date) if part)
        # Only columns the mapping names give per-row questionnaires beside a wide layout.
        plan.long = any(_is_outcome_data(name) for name, _, _ in fields)
    _add_implicit(plan, headers, originals, sheet)
    wide = bool(plan.wide)
    for name, index, header in plan.fields:
        if _is_outcome_data(name):
            plan.questionnaire.append((name, index, header, bool(ITEM_COLUMN.match(name))))
        if not ITEM_COLUMN.match(name) and not (wide and name in OUTCOME_DATA):
            plan.shared.append((name, index, header))
    return plan


def _add_implicit(
    plan: BlockPlan, headers: dict[str, int], originals: list[str], sheet: SheetMapping
) -> None:
    """Headers that are already the standard's field names (case ignored, spaces for
    underscores) map to themselves, unless the mapping uses the column or the field
    otherwise. A wide block takes no questionnaire fields this way."""
    taken = {name for name, _, _ in plan.fields}
    reserved = {normalise_header(h) for h in (*sheet.identifiers, *sheet.skip)}
    if sheet.id_column:
        reserved.add(normalise_header(sheet.id_column))
    if sheet.date_of_birth is not None:
        reserved.add(normalise_header(sheet.date_of_birth.column))
    record_type = plan.record_type
    model_fields = RECORD_TYPES[record_type].model_fields
    for key, index in headers.items():
        name = key.replace(" ", "_")
        is_field = name in model_fields or (record_type == "outcome" and ITEM_COLUMN.match(name))
        if not is_field or (plan.wide and _is_outcome_data(name)):
            continue
        if name not in taken and key not in reserved and index not in plan.used:
            plan.fields.append((name, index, originals[index]))
            plan.used.add(index)
            taken.add(name)


def _is_outcome_data(name: str) -> bool:
    return name in OUTCOME_DATA or bool(ITEM_COLUMN.match(name))


def records_of_row(
    plan: BlockPlan,
    row: list[str],
    origin: Origin,
    local_id: str | None,
    registry: InstrumentRegistry,
    findings: list[Finding],
) -> list[RowRecord]:
    """The records one row gives for one block (an outcome per timepoint answered)."""
    convert = _Converter(plan, registry, origin, findings)
    base: dict[str, str | None] = {}
    for name, index, header in plan.shared:
        text = row[index].strip()
        if text:
            base[name] = convert(name, text, header)
    if local_id:
        base[id_field(plan.record_type)] = local_id
    for name, value in plan.constants.items():
        if not base.get(name):
            base[name] = convert(name, value, None)
    out = []
    if plan.record_type == "outcome":
        if plan.long:
            long = _long_outcome(plan, row, base, convert)
            if long is not None:
                out.append(_with_id(long, origin))
        for columns in plan.wide:
            record = _wide_outcome(columns, row, base, convert)
            if record is not None:
                out.append(_with_id(record, origin))
        return out
    return [RowRecord(plan.record_type, base, origin)]


def id_field(record_type: str) -> str:
    """The field a sheet's local id fills in a record: ``worker_key`` for peer workers.

    Every other record type (a referral, and a peer worker's own questionnaire too) holds
    the person in ``participant_key``; prepare pseudonymises both the same way.
    """
    return "worker_key" if record_type == "peer_worker" else "participant_key"


def _long_outcome(
    plan: BlockPlan, row: list[str], base: dict[str, str | None], convert: _Converter
) -> dict[str, str | None] | None:
    values = dict(base)
    instrument = values.get("instrument")
    questionnaire = False
    for name, index, header, is_item in plan.questionnaire:
        text = row[index].strip()
        if not text:
            continue
        questionnaire = True
        if is_item:
            values[name] = convert.item(text, header, instrument)
        elif plan.wide:  # per-row questionnaire columns beside a wide layout
            values[name] = convert(name, text, header)
    return values if questionnaire else None


def _wide_outcome(
    columns: WideColumns, row: list[str], base: dict[str, str | None], convert: _Converter
) -> dict[str, str | None] | None:
    instrument = base.get("instrument")
    values = dict(base)
    answered = False
    for number, index, header in columns.items:
        text = row[index].strip()
        if text:
            values[f"item_{number}"] = answer = convert.item(text, header, instrument)
            answered = answered or answer is not None
    if columns.total is not None and row[columns.total[0]].strip():
        values["total_score"] = convert("total_score", row[columns.total[0]].strip(), None)
        answered = True
    if not answered:
        return None
    values["timepoint"] = columns.timepoint
    if columns.date is not None and row[columns.date[0]].strip():
        index, header = columns.date
        values["date_administered"] = convert("date_administered", row[index].strip(), header)
    return values


def _with_id(values: dict[str, str | None], origin: Origin) -> RowRecord:
    if values.get("record_id"):
        return RowRecord("outcome", values, origin)
    timepoint = values.get("timepoint")
    occasion = occasion_of(
        timepoint, values.get("date_administered"), values.get("days_since_start")
    )
    values["record_id"] = outcome_record_id(
        values.get("participant_key") or "",
        values.get("instrument") or "",
        timepoint or "",
        occasion,
    )
    return RowRecord("outcome", values, origin, derived_id=True)


class _Converter:
    """Translates cells of one row for one block; records what it cannot translate."""

    def __init__(
        self,
        plan: BlockPlan,
        registry: InstrumentRegistry,
        origin: Origin,
        findings: list[Finding],
    ) -> None:
        self.plan, self.registry, self.origin, self.findings = plan, registry, origin, findings

    def __call__(self, name: str, text: str, header: str | None) -> str:
        key = (name, None, text)
        cached = self.plan.cells.get(key)
        if cached is None:
            cached = self.plan.cells[key] = self._translate(name, text)
        return cached

    def _translate(self, name: str, text: str) -> str:
        spec = self.plan.specs.get(name)
        local = self.plan.lookups.get(name, {})
        if spec is not None and spec.codelist is not None and spec.kind == "code":
            return code_for(spec.codelist, text, local) or text
        if spec is not None and spec.codelist is not None and spec.kind == "codes":
            parts = _split(text)
            return ";".join(code_for(spec.codelist, part, local) or part for part in parts)
        folded = normalise_header(text)
        if folded in local:
            return local[folded]
        if spec is not None and spec.kind == "date":
            parsed = parse_date(text, self.plan.date_format)
            return text if parsed is None else parsed.isoformat()
        if name == "instrument":
            return self._instrument(text)
        return text

    def _instrument(self, text: str) -> str:
        """A registered code however it is typed (``phq-9``, ``PHQ 9`` → ``PHQ9``)."""
        squashed = "".join(ch for ch in text.upper() if ch.isalnum() or ch == "_")
        return squashed if squashed in self.registry else text

    def item(self, text: str, header: str, instrument: str | None) -> str | None:
        """An item cell: a number, or an answer word as its code; None when it says the
        question was not answered (``n/a``); kept as typed if unknown."""
        key = ("items", instrument, text)
        if key in self.plan.cells:
            code = self.plan.cells[key]
        else:
            code = (
                None
                if is_no_answer(text)
                else answer_code(text, instrument, self.plan.answers, self.registry)
            )
            self.plan.cells[key] = code
        if code is not None or is_no_answer(text):
            return code
        if instrument is not None and instrument in self.registry:
            self.findings.append(
                finding(
                    "answer-unknown",
                    file=self.origin.display,
                    row=self.origin.row,
                    column=header,
                    value=text,
                    detail=self._answers_detail(instrument),
                )
            )
        return text

    def _answers_detail(self, instrument: str) -> str:
        try:
            definition = self.registry.get(instrument)
        except UnknownInstrumentError:
            return instrument
        words = [*definition.response_labels, *self.plan.block.answers]
        low, high = definition.response_min, definition.response_max
        if not words:
            return f"{definition.code} (answers are numbers {low}-{high})"
        return f"{definition.code} (numbers {low}-{high}, or: {', '.join(words)})"


def _split(text: str) -> list[str]:
    for separator in _LIST_SEPARATORS:
        if separator in text:
            return [part.strip() for part in text.split(separator) if part.strip()]
    return [text]
