"""``peerbench.intake.screen``: identifier columns and rows that are not people."""

from __future__ import annotations

import pyarrow as pa
import pytest

from peerbench.intake.screen import header_kind, identifier_columns, rows_to_skip


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Name", "a name"),
        ("Client name ", "a name"),
        ("First\u00a0Name", "a name"),
        ("D.O.B.", "a date of birth"),
        ("Date of Birth", "a date of birth"),
        ("NHS No", "an NHS number"),
        ("E-mail", "an email address"),
        ("Mobile number", "a phone number"),
        ("Post code", "a postcode"),
        ("Home address", "an address"),
        ("Age group", None),
        ("Service name", None),
        ("WEMWBS total", None),
        ("Client ID", None),
    ],
)
def test_header_kind(header: str, kind: str | None) -> None:
    assert header_kind(header) == kind


def test_identifier_columns_scan_values_but_not_typed_standard_fields() -> None:
    table = pa.table(
        {
            "client_id": ["x@example.org", "2"],  # the id being pseudonymised: not scanned
            "comment": ["ring 07700 900123", ""],
            "date_administered": ["2026-01-01", "2026-02-01"],
            "colour": ["blue", "green"],
        }
    )
    found = identifier_columns(table, frozenset({"client_id"}))
    assert found == {"comment": "1 of its cells hold a phone number or similar"}


def test_rows_to_skip() -> None:
    table = pa.table(
        {
            "id": ["A1", None, "TOTAL", "", " ", "A2", "Totals:"],
            "label": ["x", None, "", "Mean", "", "Total", None],
            "score": ["1", "", "9", "4", " ", "2", "3"],
        }
    )
    skipped = rows_to_skip(table, ["id"])
    assert skipped.blank == [1, 4]
    # "Total" in another column of a row with an id (A2) is a label, not a summary row.
    assert skipped.summary == [2, 3, 6]
