"""Headers as the engine sees them: one normaliser for every reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from peerbench.validators.mapping import Mapping
from peerbench.validators.readers import open_sources
from peerbench.validators.readers.sources import map_headers, standard_header


@pytest.mark.parametrize(
    ("header", "record_type", "expected"),
    [
        ("Service ID", "participant", "service_id"),
        ("  Participant key ", "participant", "participant_key"),
        ("AGE-BAND", "participant", "age_band"),
        ("Consent\u00a0research", "participant", "consent_research"),
        ("Item 3", "outcome", "item_3"),
        ("Item 3", "participant", "Item 3"),  # items are outcome columns only
        ("Client ID", "participant", "Client ID"),  # not a field: kept, reported as unknown
        ("sex", None, "sex"),
        ("Start date", None, "start_date"),
    ],
)
def test_a_header_typed_as_words_is_its_standard_field(
    header: str, record_type: str | None, expected: str
) -> None:
    assert standard_header(header, record_type) == expected


def test_a_mapping_renames_before_any_guess() -> None:
    mapping = Mapping(columns={"Service ID": "participant_key"})
    assert map_headers(["Service ID"], "participant", mapping) == ["participant_key"]
    assert map_headers(["Service ID"], "participant", None) == ["service_id"]


def test_csv_and_xlsx_headers_are_matched_alike(tmp_path: Path) -> None:
    import openpyxl

    headers = ["Participant Key", "Service ID ", "Age band", "Sex", "Consent research"]
    (tmp_path / "participants.csv").write_text(",".join(headers) + "\n", encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "participants"
    sheet.append(headers)
    book.save(tmp_path / "book.xlsx")
    expected = ["participant_key", "service_id", "age_band", "sex", "consent_research"]
    for name in ("participants.csv", "book.xlsx"):
        (source,) = open_sources(tmp_path / name)
        assert source.columns == expected
        assert [c.strip() for c in source.original_columns] == [h.strip() for h in headers]
