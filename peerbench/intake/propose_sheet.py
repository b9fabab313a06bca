"""Propose the mapping of one sheet from its headers and cell texts (no file reading)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from peerbench.intake.propose_labels import propose_values_of
from peerbench.intake.propose_match import (
    HeaderRole,
    field_spec,
    match_header,
    match_sheet,
    vocabulary,
)
from peerbench.intake.propose_model import Block, Said, SheetProposal
from peerbench.intake.propose_outcomes import propose_outcomes
from peerbench.intake.propose_values import (
    date_format,
    distinct,
    field_from_values,
    identifier_kind,
    looks_like_local_id,
    whole_numbers,
)
from peerbench.schema.header_words import normalise, words
from peerbench.schema.instruments.definition import InstrumentDefinition
from peerbench.schema.introspect import FieldSpec, field_specs
from peerbench.schema.records import RECORD_TYPES_BY_STEM

STEM_ORDER = tuple(RECORD_TYPES_BY_STEM)
SHARED = frozenset({"service_id", "participant_key"})
"""Fields several record types share: they do not by themselves make a sheet feed a type."""


def propose_sheet(
    key: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    definitions: Sequence[InstrumentDefinition],
    *,
    file: str = "",
    sheet: str | None = None,
    header_row: int | None = None,
) -> SheetProposal:
    """Propose how one sheet maps to the standard.

    Args:
        key: The sheet's key in the mapping (sheet name, or the CSV file's name).
        headers: The header row's cells.
        rows: The data rows (title, blank and total rows already set aside).
        definitions: The instrument registry's definitions.
        file: The file the sheet is in (for messages).
        sheet: The sheet name (None for a CSV file).
        header_row: The spreadsheet row number of the header, when not the first row.
    """
    proposal = SheetProposal(key=key, file=file, sheet=sheet, header_row=header_row)
    if sheet is not None and words(sheet) in vocabulary().ignore_sheets:
        proposal.notes.append("a summary, lookup or instructions sheet")
        return proposal
    hint, hint_confidence = match_sheet(sheet if sheet is not None else key)
    proposal.hint = hint
    codes = [d.code for d in definitions]
    columns = {i: [r[i] if i < len(r) else "" for r in rows] for i in range(len(headers))}
    roles: dict[str, HeaderRole] = {}
    for i, raw in enumerate(headers):
        header = re.sub(r"\s+", " ", raw.replace("\u00a0", " ")).strip()
        if not header:
            if distinct(columns[i]):
                proposal.todos.append(f"column {i + 1} has values but no header: it is ignored")
            continue
        if normalise(header) in (normalise(h) for h in roles):
            proposal.todos.append(f"two columns are headed '{header}': rename one in the YAML")
            continue
        roles[header] = _with_values(match_header(header, codes, hint), columns[i])
    values = {h: columns[i] for i, h in enumerate(_clean(headers)) if h in roles}
    _people(proposal, roles, values)
    blocks = _fields(proposal, roles, values, hint)
    propose_outcomes(proposal, roles, values, blocks, definitions, sheet or key)
    if hint is None:
        _drop_weak_blocks(proposal, blocks)
    _borrow_date(proposal, blocks.get("outcomes"), values)
    order = {header: index for index, header in enumerate(_clean(headers))}
    for stem in STEM_ORDER:
        if stem in blocks:
            block = blocks[stem]
            block.columns = dict(sorted(block.columns.items(), key=lambda kv: order[kv[0]]))
            proposal.blocks.append(block)
    if not proposal.blocks:
        proposal.todos.append(
            "nothing on this sheet matched a record type: add a block (participants:, "
            "outcomes: …) with its columns, or remove the sheet from the mapping"
        )
    elif hint is not None and proposal.block(hint) is None and hint_confidence == "certain":
        proposal.notes.append(f"the sheet's name suggests {hint}, but its columns do not")
    _age_from_dob(proposal)
    _dates(proposal, values)
    _requirements(proposal)
    return proposal


def _borrow_date(
    proposal: SheetProposal, outcomes: Block | None, values: dict[str, list[str]]
) -> None:
    """Questionnaires with no date column take the sheet's one unmatched date column."""
    if outcomes is None or outcomes.timepoints:
        return
    if "date_administered" in {said.value for said in outcomes.columns.values()}:
        return
    dated = [
        h for h in proposal.unknown if (found := date_format(values.get(h, []))) and found.format
    ]
    if len(dated) != 1:
        return
    header = dated[0]
    proposal.unknown.remove(header)
    outcomes.columns[header] = Said(
        "date_administered", "unsure", f"'{header}' is the sheet's only other date column"
    )
    outcomes.todos.append(
        f"columns: '{header}' is taken as the date each questionnaire was completed: check it"
    )


def _drop_weak_blocks(proposal: SheetProposal, blocks: dict[str, Block]) -> None:
    """On a sheet whose name says nothing, general headers alone (Measure, Date) make no block."""
    weak = vocabulary().weak
    for stem, block in list(blocks.items()):
        if block.instrument or block.timepoints or block.values:
            continue
        if all(words(header) in weak for header in block.columns):
            proposal.unknown.extend(block.columns)
            del blocks[stem]


def _age_from_dob(proposal: SheetProposal) -> None:
    """With an age column as well, the age column wins where filled (SPEC §7.2)."""
    participants = proposal.block("participants")
    dob = proposal.date_of_birth
    if dob is None:
        return
    if participants is None:  # no age band to derive here: only an identifier to drop
        proposal.identifiers[dob.value] = Said(dob.value, "certain", "a date of birth: dropped")
        proposal.date_of_birth = None
        return
    age = next((h for h, s in participants.columns.items() if s.value == "age_band"), None)
    if age is not None:
        proposal.date_of_birth = Said(
            dob.value, "certain", f"for rows without '{age}': age band derived, then dropped"
        )


def _clean(headers: Sequence[str]) -> list[str]:
    return [re.sub(r"\s+", " ", h.replace("\u00a0", " ")).strip() for h in headers]


def _with_values(role: HeaderRole, cells: Sequence[str]) -> HeaderRole:
    """Let the values overrule or complete what the header said."""
    if role.role in ("identifier", "date_of_birth", "id", "item", "total", "date"):
        return role
    spec_kind = None
    if role.role == "field" and role.field is not None and role.stems:
        spec_kind = field_spec(role.stems[0], role.field).kind
    if spec_kind in (None, "string"):
        kind = identifier_kind(cells)
        if kind is not None and not (kind == "a name" and role.role == "field"):
            return HeaderRole(role.header, "identifier", "likely", detail=kind)
    if spec_kind == "integer" and distinct(cells) and whole_numbers(cells) is None:
        return HeaderRole(role.header, "unknown", "unsure", detail=f"not {role.field}: words")
    timepoint = vocabulary().timepoints.get(words(role.header))
    numbers = bool(distinct(cells)) and whole_numbers(cells) is not None
    if timepoint is not None and numbers and spec_kind in (None, "date"):
        # "Start", "3 months": numbers under a timepoint's name are that timepoint's totals
        return HeaderRole(role.header, "total", "likely", timepoint=timepoint)
    if role.role == "unknown":
        extra = {**vocabulary().values, "timepoint": vocabulary().timepoints}
        found = field_from_values(cells, extra)
        if found is not None:
            stem, name = found
            return HeaderRole(
                role.header, "field", "likely", stems=(stem,), field=name, detail="by its values"
            )
    return role


def _people(
    proposal: SheetProposal, roles: dict[str, HeaderRole], values: dict[str, list[str]]
) -> None:
    """The local id, direct identifiers, date of birth and skipped columns."""
    for header, role in roles.items():
        if role.role == "identifier":
            how = "header" if role.confidence == "certain" else "values"
            proposal.identifiers[header] = Said(
                header, role.confidence, f"{role.detail}, by its {how}: dropped at prepare"
            )
        elif role.role == "skip":
            proposal.skip[header] = Said(header, "certain", "free text: ignored")
        elif role.role == "id" and proposal.id_column is None:
            proposal.id_column = Said(
                header, role.confidence, f"matched header '{header}' to the local id"
            )
        elif role.role == "id":
            proposal.identifiers[header] = Said(header, "unsure", "a second id column: dropped")
            proposal.todos.append(
                f"'{header}' looks like another id and is dropped; if it names no one, move it "
                "to skip: (or map it)"
            )
        elif role.role == "date_of_birth":
            if proposal.date_of_birth is None:
                proposal.date_of_birth = Said(
                    header, "certain", "date of birth: age band derived at prepare, then dropped"
                )
            else:
                proposal.identifiers[header] = Said(header, "certain", "a date of birth: dropped")
    if proposal.id_column is None:
        for header, role in roles.items():
            if role.role == "unknown" and looks_like_local_id(values[header]):
                proposal.id_column = Said(
                    header, "likely", f"column '{header}' holds short references"
                )
                roles[header] = HeaderRole(header, "id", "likely")
                break


def _fields(
    proposal: SheetProposal,
    roles: dict[str, HeaderRole],
    values: dict[str, list[str]],
    hint: str | None,
) -> dict[str, Block]:
    """Blocks from headers matched to fields, with their code-list value mappings."""
    blocks: dict[str, Block] = {}
    if hint is not None:
        blocks[hint] = Block(hint)
    shared: list[tuple[str, HeaderRole]] = []
    for header, role in roles.items():
        if role.role == "unknown":
            proposal.unknown.append(header)
        if role.role != "field":
            continue
        stem = hint if hint in role.stems else _first_owned(role)
        weak = hint is not None and stem != hint and words(header) in vocabulary().weak
        if hint == "participants" and stem == "engagements":
            weak = False  # one row per person: its Start and End are the episode's dates
        if stem is None or weak:
            proposal.unknown.append(header)
            continue
        name = role.field or words(header).replace(" ", "_")
        if role.field is None:  # one header, several fields: take the one of this stem
            name = vocabulary().fields[stem][words(header)]
        if name in SHARED:
            shared.append((header, role))
            continue
        block = blocks.setdefault(stem, Block(stem))
        if name in {s.value for s in block.columns.values()}:
            proposal.unknown.append(header)
            proposal.todos.append(f"'{header}' also looks like {stem}.{name}: map one of them")
            continue
        how = "its values" if role.detail == "by its values" else f"header '{header}'"
        block.columns[header] = Said(name, role.confidence, f"matched {how} to {name}")
        propose_values_of(block, header, name, values[header])
    for header, role in shared:
        for stem, block in blocks.items():
            if stem in role.stems and role.field is not None:
                block.columns[header] = Said(
                    role.field, "certain", f"matched header '{header}' to {role.field}"
                )
    return blocks


def _first_owned(role: HeaderRole) -> str | None:
    preferred = ("participants", "engagements", "outcomes", "service_use", "feedback")
    return next((s for s in preferred if s in role.stems), role.stems[0] if role.stems else None)


def _dates(proposal: SheetProposal, values: dict[str, list[str]]) -> None:
    """The date format of every column read as a date."""
    headers: list[str] = []
    for block in proposal.blocks:
        spec_dates = {s.name for s in _specs(block.stem) if s.kind == "date"}
        headers += [h for h, said in block.columns.items() if said.value in spec_dates]
        headers += [tp.date.value for tp in block.timepoints.values() if tp.date is not None]
    if proposal.date_of_birth is not None:
        headers.append(proposal.date_of_birth.value)
    for header in dict.fromkeys(headers):
        found = date_format(values.get(header, []))
        if found is None and distinct(values.get(header, [])):
            proposal.todos.append(
                f"'{header}' should hold dates, but its cells are not all "
                "dates (DD/MM/YYYY or YYYY-MM-DD)"
            )
        elif found is not None:
            proposal.date_formats[header] = (found.format, found.confidence, found.reason)


def _specs(stem: str) -> list[FieldSpec]:
    return field_specs(RECORD_TYPES_BY_STEM[stem])


DERIVED = frozenset({"service_id", "record_id"})
"""Required fields never asked of a sheet: service_id is a constant of the whole mapping
(see ``propose``); an outcome's record_id is derived at prepare when no column holds it."""

REQUIRED_HINTS = {
    "consent_research": "map the consent column, or if every participant agreed set "
    'constants: {consent_research: "yes"}',
    "end_reason": "map a column, or set constants: {end_reason: completed} (or ongoing)",
    "timepoint": "map the column saying when (Stage), or set constants: {timepoint: baseline}",
    "sex": "map the column, or if every participant gives the same answer set constants: "
    "{sex: female}",
    "age_band": "map an age, age group or date of birth column",
}


def _requirements(proposal: SheetProposal) -> None:
    """A TODO for each required field no column, constant or wide block provides."""
    for block in proposal.blocks:
        given = {s.value for s in block.columns.values()} | set(block.constants)
        if block.instrument is not None:
            given.add("instrument")
        if block.timepoints:
            given |= {"timepoint", "items", "date_administered"}
        if any(s.value.startswith("item_") for s in block.columns.values()):
            given.add("items")
        if proposal.date_of_birth is not None:
            given.add("age_band")
        if proposal.id_column is not None:  # a peer_workers block's id is the worker's
            given |= {"participant_key", "worker_key"}
        for spec in _specs(block.stem):
            if not spec.required or spec.name in given or spec.name in DERIVED:
                continue
            if spec.name in ("participant_key", "worker_key"):
                text = "no local id column found: set id_column: to the column naming each person"
                if text not in proposal.todos:
                    proposal.todos.append(text)
                continue
            hint = REQUIRED_HINTS.get(spec.name, "map the column that holds it")
            block.todos.append(f"{block.stem}.{spec.name} is required and not found: {hint}")
