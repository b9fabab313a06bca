"""The per-record-type blocks of a mapping file, and their small parts.

A :class:`RecordBlock` is the validators' own
:class:`~peerbench.validators.mapping.Mapping` (``columns``, ``values``,
``date_format``) plus what only a spreadsheet needs: constants, the instrument, answer
words and wide-layout timepoints. :mod:`peerbench.intake.mapping` composes blocks into
sheets and a whole mapping file.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from peerbench.io.headers import normalise_header
from peerbench.validators.mapping import ITEM_COLUMN, Mapping, standard_columns

__all__ = ["ITEM_NUMBER", "DateOfBirth", "RecordBlock", "WideTimepoint", "is_field"]

ITEM_NUMBER = "{n}"
"""The placeholder for the item number in a wide layout's ``items`` pattern."""


class WideTimepoint(BaseModel):
    """One timepoint of a wide layout: the columns holding its answers, total and date.

    Attributes:
        items: A pattern with ``{n}`` (``"Q{n} start"``, expanded for n = 1 … the
            instrument's item count) or the headers of items 1, 2, … in order.
        total: The typed total score column, if any.
        date: The date the questionnaire was completed, if any.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: str | list[str] | None = None
    total: str | None = None
    date: str | None = None

    @field_validator("items")
    @classmethod
    def _pattern_has_n(cls, value: str | list[str] | None) -> str | list[str] | None:
        if isinstance(value, str) and ITEM_NUMBER not in value:
            raise ValueError(
                f"'{value}' has no {ITEM_NUMBER}; write a pattern such as "
                f"'Q{ITEM_NUMBER} start' or list the headers: [Q1 start, Q2 start, ...]"
            )
        return value

    @model_validator(mode="after")
    def _something(self) -> Self:
        if self.items is None and self.total is None:
            raise ValueError("give the items (a pattern or a list of headers), a total, or both")
        return self

    def item_headers(self, count: int) -> list[str]:
        """The item headers in item order, for an instrument of ``count`` items."""
        if self.items is None:
            return []
        if isinstance(self.items, str):
            return [self.items.replace(ITEM_NUMBER, str(n)) for n in range(1, count + 1)]
        return list(self.items)


class RecordBlock(Mapping):
    """What one sheet holds for one record type: the validators' mapping, plus more.

    Attributes:
        constants: Field → value set for every record of the block (overrides the
            sheet's and the file's constants).
        instrument: For outcomes: the instrument of every record (a constant), unless a
            column maps to ``instrument``.
        answers: For outcomes: local answer word → item code, on top of the
            instrument's own response labels.
        timepoints: For outcomes in a wide layout (one row per person): timepoint code →
            the columns of that timepoint. Each row then gives one outcome per timepoint
            that has at least one answer or a total.
    """

    constants: dict[str, str] = Field(default_factory=dict)
    instrument: str | None = None
    answers: dict[str, int] = Field(default_factory=dict)
    timepoints: dict[str, WideTimepoint] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _check_block(self) -> Self:
        problems: list[str] = []
        for field in self.constants:
            if not is_field(field, self.record_type):
                problems.append(f"constants: '{field}' {self._not_field()}")
        outcome_only: dict[str, object] = {
            "instrument": self.instrument,
            "answers": self.answers,
            "timepoints": self.timepoints,
        }
        if self.record_type not in (None, "outcome"):
            for key, value in outcome_only.items():
                if value:
                    problems.append(f"{key}: only outcomes have {key}")
        if self.instrument is not None and "instrument" in self.columns.values():
            problems.append("instrument: give it as a constant or map a column to it, not both")
        folded = [normalise_header(word) for word in self.answers]
        if len(set(folded)) != len(folded):
            problems.append("answers: a word is listed twice (ignoring case and spaces)")
        timepoint_codes = _timepoint_codes()
        for key in self.timepoints:
            if key not in timepoint_codes:
                problems.append(
                    f"timepoints: '{key}' is not a timepoint; use one of "
                    + ", ".join(timepoint_codes)
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def value_code(self, field: str, label: str) -> str | None:
        """The code a local ``label`` of ``field`` stands for in this block, or None."""
        return self.value_lookup(field).get(normalise_header(label))


def _timepoint_codes() -> list[str]:
    from peerbench.schema.codelists import Timepoint

    return Timepoint.codes()


def is_field(name: str, record_type: str | None) -> bool:
    """Whether ``name`` is a field of ``record_type`` (of any type if None), items included."""
    if ITEM_COLUMN.match(name):
        return record_type in (None, "outcome")
    return name in standard_columns(record_type)


class DateOfBirth(BaseModel):
    """Derive ``age_band`` from a date of birth at source, then drop the column.

    Attributes:
        column: The date-of-birth header.
        at: The date the age is taken at: a column (the assessment date) or a fixed ISO
            date; by default the outcome's ``date_administered``, else the engagement's
            ``start_date``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: str
    at: str | None = None

    def fixed_date(self) -> dt.date | None:
        """``at`` as a date when it is an ISO date (``2026-09-30``), else None (a column)."""
        if self.at is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.at.strip()):
            return None
        try:
            return dt.date.fromisoformat(self.at.strip())
        except ValueError:
            return None
