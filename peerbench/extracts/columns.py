"""Columns an extract adds to the standard's fields, declared once.

The data dictionary, ``datapackage.json`` and the harmonised tables all read these
declarations, so a column's name, type and meaning cannot drift between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from peerbench.schema.codelist_base import CodeList
from peerbench.schema.codelists import EthnicGroup


@dataclass(frozen=True)
class ExtraColumn:
    """A column an extract carries beyond the standard's own fields.

    Attributes:
        name: Column name.
        meaning: What it holds, in plain English.
        after: The standard field it follows (``None``: after every field).
        codelist: The code list its values come from, if any.
        pattern: A regular expression every value matches, if any.
    """

    name: str
    meaning: str
    after: str | None = None
    codelist: type[CodeList] | None = None
    pattern: str | None = None

    @property
    def arrow_type(self) -> pa.DataType:
        """Every extra column is text."""
        return pa.string()


ETHNIC_GROUP = ExtraColumn(
    "ethnic_group",
    "Ethnic group rolled up from `ethnicity` to the five ONS 2021 groups (plus not stated); "
    "empty when ethnicity is empty.",
    after="ethnicity",
    codelist=EthnicGroup,
)
"""The 5-group roll-up, placed next to the 19-category ``ethnicity`` code."""

LINEAGE = (
    ExtraColumn(
        "_organisation_id",
        "Lineage: the organisation whose submission the row came from.",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$",
    ),
    ExtraColumn(
        "_period",
        "Lineage: the reporting quarter (YYYY-Qn) of the submission the row came from.",
        pattern=r"^[0-9]{4}-Q[1-4]$",
    ),
    ExtraColumn(
        "_standard_version",
        "Lineage: the version of the Peer Support Outcomes Standard the row was submitted in.",
    ),
)
"""Lineage columns kept from the pooled store. ``_submission_id`` is dropped: it is the
same in every extract of the same data, so it would let two extracts be joined."""

DROPPED = ("_submission_id",)
"""Pool columns that never reach an extract."""


def extra_columns(record_type: str) -> tuple[ExtraColumn, ...]:
    """The extra columns of ``record_type``'s extract table, in output order."""
    return ((ETHNIC_GROUP,) if record_type == "participant" else ()) + LINEAGE
