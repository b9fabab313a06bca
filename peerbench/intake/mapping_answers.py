"""The answers to a mapping form, written back into the mapping model.

:func:`apply_form` takes what a coordinator confirmed or changed on the form built by
:func:`~peerbench.intake.mapping_form.build_form` and returns the SAME
:class:`~peerbench.intake.mapping.MappingFile` model ``prepare`` applies (validated
again), or one error per field to correct, for the form's error summary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from peerbench.intake.blocks import RecordBlock
from peerbench.intake.mapping import DateOfBirth, MappingFile, SheetMapping
from peerbench.intake.mapping_form import (
    DATE_FORMATS,
    DATE_OF_BIRTH,
    IDENTIFIER,
    LOCAL_ID,
    SKIP,
    FormError,
    MappingForm,
    SheetForm,
)
from peerbench.io.headers import normalise_header
from peerbench.schema.fields import ID_PATTERN
from peerbench.schema.records import RECORD_TYPES_BY_STEM

__all__ = ["apply_form"]

_ID = re.compile(ID_PATTERN)


def apply_form(
    mapping: MappingFile, form: MappingForm, answers: Mapping[str, str]
) -> tuple[MappingFile | None, list[FormError]]:
    """The mapping the coordinator confirmed, or the problems with their answers.

    Args:
        mapping: The mapping ``form`` was built from.
        form: :func:`build_form` of it (rebuilt the same way for the answers).
        answers: The submitted form fields (name → value).

    Returns:
        ``(mapping, [])``, or ``(None, errors)`` with one error per field to correct.
    """
    errors: list[FormError] = []
    service = (answers.get("service_id") or "").strip()
    constants = dict(mapping.constants)
    if form.needs_service:
        if not service:
            errors.append(
                FormError("service_id", "Enter your service's id, as agreed with the network.")
            )
        elif not _ID.match(service):
            errors.append(
                FormError(
                    "service_id",
                    "A service id may use letters, digits, '.', '_' and '-' only (up to 64), "
                    "starting with a letter or digit.",
                )
            )
        constants["service_id"] = service
    date_format = answers.get("date_format", form.date_format)
    if date_format not in {c.value for c in DATE_FORMATS}:
        errors.append(FormError("date_format", "Choose how dates are written."))
    sheets = dict(mapping.sheets)
    for part in form.sheets:
        original = mapping.sheet_for(part.key)
        assert original is not None
        updated, sheet_errors = _apply_sheet(original, part, answers)
        errors += sheet_errors
        sheets = {k: v for k, v in sheets.items() if v is not original}
        sheets[part.key] = updated
    if errors:
        return None, errors
    result = mapping.model_copy(
        update={
            "constants": constants,
            "date_format": date_format or None,
            "sheets": sheets,
            "version": 2,
        }
    )
    return MappingFile.model_validate(result.model_dump()), []


def _apply_sheet(
    sheet: SheetMapping, part: SheetForm, answers: Mapping[str, str]
) -> tuple[SheetMapping, list[FormError]]:
    errors: list[FormError] = []
    id_column: str | None = None
    dob: str | None = None
    identifiers: list[str] = []
    skip: list[str] = []
    columns: dict[str, dict[str, str]] = {rt: {} for rt in sheet.blocks}
    for row in part.columns:
        if row.fixed:
            continue
        value = answers.get(row.name, row.value)
        if value not in {c.value for c in row.choices}:
            errors.append(FormError(row.name, f"Choose what '{row.header}' holds."))
            continue
        header = " ".join(row.header.split())  # as mapping files write it
        if value == LOCAL_ID:
            if id_column is not None:
                errors.append(
                    FormError(
                        row.name, f"Only one column can be the participant id ('{id_column}' is)."
                    )
                )
            id_column = header
        elif value == DATE_OF_BIRTH:
            dob = header
        elif value == IDENTIFIER:
            identifiers.append(header)
        elif value == SKIP:
            skip.append(header)
        else:
            stem, name = value.split(":", 1)
            record_type = RECORD_TYPES_BY_STEM[stem].record_type
            if name in columns[record_type].values():
                errors.append(FormError(row.name, f"Two columns are mapped to {stem}: {name}."))
            columns[record_type][header] = name
            for other, block in sheet.blocks.items():  # one column may feed several blocks
                if other != record_type and _maps(block, row.header, name):
                    columns[other][header] = name
    values: dict[str, dict[str, dict[str, str]]] = {rt: {} for rt in sheet.blocks}
    for value_row in part.values:
        code = answers.get(value_row.name, value_row.value)
        if code == "":
            errors.append(
                FormError(
                    value_row.name,
                    f"Choose the code '{value_row.label}' stands for in {value_row.field}.",
                )
            )
            continue
        if code not in {c.value for c in value_row.choices}:
            errors.append(
                FormError(value_row.name, f"'{code[:40]}' is not a code of {value_row.field}.")
            )
            continue
        record_type = RECORD_TYPES_BY_STEM[value_row.stem].record_type
        values[record_type].setdefault(value_row.field, {})[value_row.label] = code
    blocks: dict[str, RecordBlock] = {}
    for record_type, block in sheet.blocks.items():
        mapped = set(columns[record_type].values())
        unmapped = set(block.columns.values()) - mapped  # fields the form took away
        merged = {
            name: dict(labels) for name, labels in block.values.items() if name not in unmapped
        }
        for name, labels in values[record_type].items():
            own = merged.setdefault(name, {})
            for label, code in labels.items():
                for same in [k for k in own if normalise_header(k) == normalise_header(label)]:
                    del own[same]
                own[label] = code
        blocks[record_type] = block.model_copy(
            update={"columns": columns[record_type], "values": merged}
        )
    date_of_birth = None
    if dob is not None:
        at = sheet.date_of_birth.at if sheet.date_of_birth is not None else None
        date_of_birth = DateOfBirth(column=dob, at=at)
    updated = sheet.model_copy(
        update={
            "id_column": id_column,
            "identifiers": identifiers,
            "date_of_birth": date_of_birth,
            "skip": skip,
            "blocks": blocks,
        }
    )
    return updated, errors


def _maps(block: RecordBlock, header: str, name: str) -> bool:
    """Whether ``block`` maps ``header`` to field ``name`` (headers compared normalised)."""
    key = normalise_header(header)
    return any(normalise_header(h) == key and f == name for h, f in block.columns.items())
