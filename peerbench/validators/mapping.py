"""Mapping files: how an organisation's own headers and labels translate to the standard's.

A mapping is a small YAML file kept next to an export, so a charity can submit its
spreadsheet as it is rather than retyping headers::

    # map local headers and labels to the standard's
    record_type: participants        # optional
    columns:                          # local header -> standard field
      Client ID: participant_key
      Gender: sex
    values:                           # per standard field: local label -> code
      sex: {F: female, M: male}
    date_format: dd/mm/yyyy           # optional hint: iso | dd/mm/yyyy

Readers apply ``columns`` (:meth:`Mapping.rename`); the engine applies ``values``
(:meth:`Mapping.value_lookup`). Header and label matching go through
:func:`peerbench.io.headers.normalise_header` (case, surrounding and repeated spaces,
non-breaking spaces ignored), because the same export is often retyped by hand.

This model is one *block* of a mapping file: :mod:`peerbench.intake.mapping` composes
blocks of it (one per sheet and record type) into the version 2 mapping language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal, Self

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from peerbench.io.headers import normalise_header
from peerbench.schema.record_table import RECORDS
from peerbench.validators.record_names import (  # re-exported: their historical home
    ITEM_COLUMN,
    ITEMS_RECORD_TYPE,
    canonical_record_type,
    is_standard_column,
    standard_columns,
)

__all__ = [
    "ITEM_COLUMN",
    "Mapping",
    "canonical_record_type",
    "fold_date_format",
    "is_standard_column",
    "standard_columns",
]


class _StringLoader(yaml.SafeLoader):
    """A YAML loader that keeps every plain scalar as text.

    YAML 1.1 reads ``Yes``, ``No``, ``On`` and ``01`` as booleans and numbers, which
    would silently turn the label ``Yes`` into ``true`` before it could be mapped.
    """


_StringLoader.yaml_implicit_resolvers = {}


def fold_date_format(value: Any) -> Any:
    """A ``date_format`` as written (``DD/MM/YYYY ``) in the form the models accept."""
    return value.strip().casefold() if isinstance(value, str) else value


def _fold(text: str) -> str:
    return normalise_header(text)


class Mapping(BaseModel):
    """Translation from an organisation's headers and labels to the standard's.

    Attributes:
        record_type: The record type the mapping is for (normalised to ``participant``
            form), or None for a mapping usable with any file.
        columns: Local header → standard field name.
        values: Standard field → (local label → code).
        date_format: How ambiguous dates are written: ``iso`` or ``dd/mm/yyyy``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    record_type: str | None = None
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    date_format: Literal["iso", "dd/mm/yyyy"] | None = None
    _column_lookup: dict[str, str] = PrivateAttr(default_factory=dict)

    @field_validator("record_type")
    @classmethod
    def _known_record_type(cls, value: str | None) -> str | None:
        if value is None:
            return None
        canonical = canonical_record_type(value)
        if canonical is None:
            accepted = ", ".join(info.file_stem for info in RECORDS.values())
            raise ValueError(f"unknown record type '{value}'; use one of: {accepted}")
        return canonical

    @field_validator("date_format", mode="before")
    @classmethod
    def _fold_date_format(cls, value: Any) -> Any:
        return fold_date_format(value)

    @model_validator(mode="after")
    def _check_names(self) -> Self:
        problems: list[str] = []
        seen: dict[str, str] = {}
        for local, field in self.columns.items():
            folded = _fold(local)
            if folded in seen:
                problems.append(f"columns: '{local}' and '{seen[folded]}' are the same header")
            seen[folded] = local
            if not is_standard_column(field, self.record_type):
                problems.append(f"columns: '{local}' maps to '{field}', which {self._not_field()}")
        targets = list(self.columns.values())
        for field in sorted({f for f in targets if targets.count(f) > 1}):
            problems.append(f"columns: more than one header maps to '{field}'")
        for field, labels in self.values.items():
            if not is_standard_column(field, self.record_type):
                problems.append(f"values: '{field}' {self._not_field()}")
            folded_labels = [_fold(label) for label in labels]
            if len(set(folded_labels)) != len(folded_labels):
                problems.append(f"values: '{field}' lists a label twice (ignoring case)")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _not_field(self) -> str:
        if self.record_type is None:
            return "is not a field of any record type (set record_type to see its fields)"
        valid = standard_columns(self.record_type)
        if self.record_type == ITEMS_RECORD_TYPE:
            valid.append("item_1 … item_N")
        return f"is not a field of {self.record_type}; valid fields: {', '.join(valid)}"

    @classmethod
    def from_file(cls, path: Path) -> Mapping:
        """Load and check a mapping YAML file.

        Args:
            path: The YAML file.

        Raises:
            FileNotFoundError: The file does not exist.
            ValueError: The file is not valid YAML or not a valid mapping; the message
                names the file and each problem.
        """
        text = Path(path).read_text(encoding="utf-8-sig")
        try:
            data = yaml.load(text, Loader=_StringLoader)  # a SafeLoader: no arbitrary objects
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = "" if mark is None else f" (line {mark.line + 1}, column {mark.column + 1})"
            problem = getattr(exc, "problem", None) or str(exc)
            raise ValueError(f"{path}: not valid YAML{where}: {problem}") from None
        if data is None or data == "":
            data = {}
        if not isinstance(data, dict):
            raise ValueError(
                f"{path}: a mapping file must be a set of 'key: value' entries "
                "(record_type, columns, values, date_format)"
            )
        if "sheets" in data or "version" in data:
            raise ValueError(
                f"{path}: this is a version 2 mapping file (with sheets); it maps whole "
                "spreadsheets and is read by 'peerbench prepare' (peerbench.intake), not "
                "as a single-file mapping"
            )
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"{path}: {_describe(exc)}") from None

    def applies_to(self, record_type: str | None) -> bool:
        """Whether the column renames apply to a file of ``record_type``.

        A mapping written for one record type leaves files of other types alone, so one
        mapping can be passed when opening a whole folder.
        """
        return self.record_type is None or self.record_type == record_type

    def rename(self, header: str) -> str:
        """The standard name for a local ``header`` (the trimmed header if not mapped)."""
        return self._column_lookup.get(_fold(header), header.strip())

    def model_post_init(self, context: Any, /) -> None:
        """Index the column renames once: ``rename`` runs for every key of every JSON line."""
        self._column_lookup = {_fold(local): field for local, field in self.columns.items()}

    def value_lookup(self, field: str) -> dict[str, str]:
        """Local label → code for a standard ``field``; keys normalised.

        Look labels up with :func:`~peerbench.io.headers.normalise_header`. Empty when
        the field has no value mapping.
        """
        return {_fold(label): code for label, code in self.values.get(field, {}).items()}


def _describe(exc: ValidationError) -> str:
    """One line per problem, with its location in the file, without pydantic's boilerplate."""
    lines = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            message = "unknown key (expected record_type, columns, values, date_format)"
        lines.append(f"{location}: {message}" if location else message)
    return "; ".join(lines)
