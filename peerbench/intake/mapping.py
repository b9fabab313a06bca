"""Mapping files, version 2: how one organisation's spreadsheet becomes the standard's tables.

A coordinator edits one YAML file (proposed by ``peerbench map``) and never the
spreadsheet. The file says, per sheet (or CSV file), which row is the header, which
column is the local participant id, which columns are direct identifiers to drop, and
for each record type the sheet feeds, which headers are which fields, which local labels
are which codes, and which values are the same for every row::

    version: 2
    date_format: dd/mm/yyyy
    constants: {service_id: walk-and-talk}
    sheets:
      Clients:
        id_column: Client ID
        identifiers: [Name, Phone]
        date_of_birth: {column: DOB, at: Date completed}
        participants:
          columns: {Gender: sex}
        outcomes:
          instrument: WEMWBS
          columns: {Date completed: date_administered, Stage: timepoint}
          timepoints:
            baseline: {items: "Q{n} start", total: Start total}

The per-block part (``columns``, ``values``, ``date_format``) is the validators' own
:class:`~peerbench.validators.mapping.Mapping`: :class:`RecordBlock` extends it, so
there is one mapping model, layered, and a block can be handed to the readers as it is.
A version 1 file (``record_type``, ``columns``, ``values``, ``date_format`` at the top)
still loads: it is one block applied to every sheet (``"*"``).

Every header, sheet name and label is matched through
:func:`peerbench.io.headers.normalise_header`. SPEC §7.2 documents the language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from peerbench.intake.blocks import ITEM_NUMBER, DateOfBirth, RecordBlock, WideTimepoint, is_field
from peerbench.io.headers import normalise_header
from peerbench.schema.records import RECORD_TYPES
from peerbench.validators.mapping import (
    _StringLoader,
    canonical_record_type,
    fold_date_format,
)

__all__ = [
    "ANY_SHEET",
    "FROM_NAME",
    "ITEM_NUMBER",
    "DateOfBirth",
    "MappingFile",
    "RecordBlock",
    "SheetMapping",
    "WideTimepoint",
    "load_mapping",
]

ANY_SHEET = "*"
"""The ``sheets`` key matching every sheet or file not listed by name."""

FROM_NAME = "*"
"""Block key of a version 1 file without ``record_type``: the record type is named by
the sheet or file (``outcomes.csv``), as the validators read it."""

_V1_KEYS = ("record_type", "columns", "values", "date_format")
_TOP_KEYS = ("version", "date_format", "constants", "sheets")
_SHEET_KEYS = (
    "header_row",
    "id_column",
    "identifiers",
    "date_of_birth",
    "skip",
    "constants",
)


def _stems() -> list[str]:
    return [model.file_stem for model in RECORD_TYPES.values()]


class SheetMapping(BaseModel):
    """How to read one sheet (or CSV file) and which record types it feeds.

    Attributes:
        header_row: Spreadsheet row number of the header (found automatically if None).
        id_column: Header of the local id of the person each row is about: a participant,
            a person referred, or on a ``peer_workers`` sheet a worker (pseudonymised with
            the same key, never kept).
        identifiers: Headers of direct identifiers: dropped, listed in the output.
        date_of_birth: Derive ``age_band`` from this date-of-birth column, then drop it.
        skip: Headers deliberately ignored (not reported as unmapped).
        constants: Field → value for every record of the sheet.
        blocks: Record type (``participant``, ``outcome``…) → its :class:`RecordBlock`.
            Written in YAML under the file stem (``participants:``, ``outcomes:``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    header_row: int | None = Field(default=None, ge=1)
    id_column: str | None = None
    identifiers: list[str] = []
    date_of_birth: DateOfBirth | None = None
    skip: list[str] = []
    constants: dict[str, str] = {}
    blocks: dict[str, RecordBlock] = {}

    @model_validator(mode="before")
    @classmethod
    def _gather_blocks(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "blocks" in data:
            return data
        out: dict[str, Any] = {}
        blocks: dict[str, Any] = {}
        unknown: list[str] = []
        for key, value in data.items():
            record_type = canonical_record_type(str(key))
            if str(key) in _SHEET_KEYS:
                out[str(key)] = value
            elif record_type is not None:
                if record_type in blocks:
                    raise ValueError(f"{key}: the record type {record_type} is listed twice")
                if isinstance(value, dict) and "record_type" in value:
                    raise ValueError(
                        f"{key}: record_type is given by the block's name ({key}); remove it"
                    )
                block = dict(value) if isinstance(value, dict) else value
                if isinstance(block, dict):
                    block["record_type"] = record_type
                blocks[record_type] = block if block is not None else {"record_type": record_type}
            else:
                unknown.append(str(key))
        if unknown:
            allowed = ", ".join((*_SHEET_KEYS, *_stems()))
            raise ValueError(
                f"unknown key {', '.join(repr(k) for k in unknown)}; a sheet may have: {allowed}"
            )
        out["blocks"] = blocks
        return out

    @model_validator(mode="after")
    def _check_sheet(self) -> Self:
        problems = [
            f"constants: '{name}' is not a field of any record type"
            for name in self.constants
            if not is_field(name, None)
        ]
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def block(self, record_type: str) -> RecordBlock | None:
        """The block for ``record_type``, if the sheet feeds it."""
        return self.blocks.get(record_type)


class MappingFile(BaseModel):
    """A whole mapping file: file-wide settings and one :class:`SheetMapping` per sheet.

    Attributes:
        version: 2 for this language; 1 for a file in the old single-block form (kept
            as one block of every sheet, ``"*"``).
        date_format: How ambiguous dates are written: ``iso`` or ``dd/mm/yyyy``.
        constants: Field → value for every record of every sheet (where the record type
            has the field).
        sheets: Sheet name (or CSV file name, or ``"*"``) → how to read it.
        source: The file it was loaded from, for messages (None when built in code).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1, 2] = 2
    date_format: Literal["iso", "dd/mm/yyyy"] | None = None
    constants: dict[str, str] = {}
    sheets: dict[str, SheetMapping] = {}
    source: str | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_number(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip() in ("1", "2"):
            return int(value.strip())
        if value not in (1, 2):
            raise ValueError(f"version {value!r} is not known; this tool reads versions 1 and 2")
        return value

    @field_validator("date_format", mode="before")
    @classmethod
    def _fold_date_format(cls, value: Any) -> Any:
        return fold_date_format(value)

    @model_validator(mode="after")
    def _check_file(self) -> Self:
        problems = [
            f"constants: '{name}' is not a field of any record type"
            for name in self.constants
            if not is_field(name, None)
        ]
        seen: dict[str, str] = {}
        for key in self.sheets:
            folded = normalise_header(key)
            if folded in seen:
                problems.append(f"sheets: '{key}' and '{seen[folded]}' are the same sheet")
            seen[folded] = key
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def sheet_for(self, name: str) -> SheetMapping | None:
        """The mapping of a sheet or CSV file ``name`` (matched normalised), else ``"*"``'s.

        A CSV file matches by its file name (``clients.csv``) or its stem (``clients``).
        """
        wanted = {normalise_header(name), normalise_header(Path(name).stem)}
        wildcard = None
        for key, sheet in self.sheets.items():
            if key == ANY_SHEET:
                wildcard = sheet
            elif normalise_header(key) in wanted:
                return sheet
        return wildcard

    def constants_for(self, sheet: SheetMapping, block: RecordBlock) -> dict[str, str]:
        """File, then sheet, then block constants for a block's record type (later wins)."""
        record_type = block.record_type
        merged: dict[str, str] = {}
        for layer in (self.constants, sheet.constants, block.constants):
            for name, value in layer.items():
                if record_type is None or is_field(name, record_type):
                    merged[name] = value
        if block.instrument is not None:
            merged["instrument"] = block.instrument
        return merged

    def date_format_for(self, block: RecordBlock) -> str | None:
        """The block's date format, else the file's."""
        return block.date_format or self.date_format


def load_mapping(path: Path) -> MappingFile:
    """Load and check a mapping file (version 2, or version 1 in its old form).

    Args:
        path: The YAML file.

    Raises:
        FileNotFoundError: The file does not exist.
        ValueError: The file is not valid YAML or not a valid mapping. The message names
            the file, the place in it (``sheets.Clients.outcomes.columns``) and what is
            allowed there.
    """
    path = Path(path)
    text = path.read_text(encoding="utf-8-sig")
    try:
        data = yaml.load(text, Loader=_StringLoader)  # a SafeLoader: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = "" if mark is None else f" (line {mark.line + 1}, column {mark.column + 1})"
        problem = getattr(exc, "problem", None) or str(exc)
        raise ValueError(f"{path}: not valid YAML{where}: {problem}") from None
    return parse_mapping(data, str(path))


def parse_mapping(data: Any, source: str) -> MappingFile:
    """Check already-parsed YAML (``data``) as a mapping file; ``source`` names it in errors.

    Raises:
        ValueError: see :func:`load_mapping`.
    """
    if data is None or data == "":
        data = {}
    if not isinstance(data, dict):
        raise ValueError(
            f"{source}: a mapping file must be a set of 'key: value' entries "
            f"({', '.join(_TOP_KEYS)})"
        )
    data = {str(key): value for key, value in data.items()}
    if "version" not in data and "sheets" not in data:
        return _from_v1(data, source)
    unknown = sorted(set(data) - set(_TOP_KEYS))
    if unknown:
        extra = ""
        if set(unknown) & set(_V1_KEYS):
            extra = " (record_type, columns and values go inside a sheet's record-type block)"
        raise ValueError(
            f"{source}: unknown key {', '.join(repr(k) for k in unknown)} at the top; "
            f"a mapping file may have: {', '.join(_TOP_KEYS)}{extra}"
        )
    try:
        return MappingFile.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ValueError(f"{source}: {_describe(exc)}") from None


def _from_v1(data: dict[str, Any], source: str) -> MappingFile:
    """A version 1 file as one block applied to every sheet."""
    unknown = sorted(set(data) - set(_V1_KEYS))
    if unknown:
        raise ValueError(
            f"{source}: unknown key {', '.join(repr(k) for k in unknown)}; a version 1 "
            f"mapping file may have: {', '.join(_V1_KEYS)} (or write 'version: 2' and "
            f"use {', '.join(_TOP_KEYS)})"
        )
    try:
        block = RecordBlock.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"{source}: {_describe(exc)}") from None
    key = block.record_type or FROM_NAME
    sheet = SheetMapping(blocks={key: block})
    return MappingFile(
        version=1, date_format=block.date_format, sheets={ANY_SHEET: sheet}, source=source
    )


_EXPECTED = {
    "": ", ".join(_TOP_KEYS),
    "sheet": ", ".join(_SHEET_KEYS) + " and record types",
    "block": "columns, values, constants, date_format; for outcomes also instrument, "
    "answers, timepoints",
    "date_of_birth": "column, at",
    "timepoint": "items, total, date",
}


def _describe(exc: ValidationError) -> str:
    """One line per problem: its place in the file, the problem, and what is allowed."""
    lines = []
    for error in exc.errors():
        location = [_shown(part) for part in error["loc"] if part != "blocks"]
        place = ".".join(location)
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] in ("dict_type", "model_type"):
            message = "should be a set of 'key: value' entries"
        elif error["type"] == "missing":
            message = "required, but missing"
        elif error["type"] == "extra_forbidden":
            message = f"unknown key; allowed here: {_EXPECTED[_context(location)]}"
            place = ".".join(location)
        lines.append(f"{place}: {message}" if place else message)
    return "; ".join(lines)


def _shown(part: str | int) -> str:
    """A place in the file as written: a block's record type by its file stem."""
    model = RECORD_TYPES.get(str(part))
    return str(part) if model is None else model.file_stem


def _context(location: list[str]) -> str:
    """Which kind of mapping an unknown key sits in, from its place in the file."""
    parent = location[:-1]
    if not parent:
        return ""
    if parent[0] != "sheets":  # a version 1 file: the block is the whole file
        return "block"
    if len(parent) == 2:
        return "sheet"
    if len(parent) >= 3 and parent[2] == "date_of_birth":
        return "date_of_birth"
    if len(parent) >= 5 and parent[3] == "timepoints":
        return "timepoint"
    return "block"
