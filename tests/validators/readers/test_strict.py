"""Machine formats are read strictly; CSV keeps its lenient reading (SPEC §7)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerbench.validators import validate
from peerbench.validators.readers import sources, strict
from peerbench.validators.readers.sources import OpenOptions, add_finding, finding, new_source
from peerbench.validators.readers.strict import checked_batches, json_row, problems
from peerbench.validators.source import Source

TODAY = dt.date(2026, 1, 31)
KEY = "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70"
PHQ9: dict[str, Any] = {
    "record_id": "m-1",
    "participant_key": KEY,
    "service_id": "svc-1",
    "instrument": "PHQ9",
    "timepoint": "baseline",
    "date_administered": "2025-01-13",
    "items": [1, 2, 3, 0, 1, 2, 3, 0, 1],
}
PARTICIPANT: dict[str, Any] = {
    "participant_key": KEY,
    "service_id": "svc-1",
    "age_band": "35_44",
    "sex": "female",
    "consent_research": True,
}


def _codes(path: Path) -> list[tuple[int | None, str | None, str]]:
    report = validate([path], today=TODAY)
    return [(f.row, f.column, f.code) for f in report.findings if f.severity == "error"]


def _jsonl(folder: Path, stem: str, *records: dict[str, Any]) -> Path:
    path = folder / f"{stem}.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_valid_record_has_no_strict_problems() -> None:
    assert problems("outcome", PHQ9, file="f", row=2) == []


@pytest.mark.parametrize(
    ("changes", "column"),
    [
        ({"record_id": 12345}, "record_id"),  # a number is not an identifier
        ({"timepoint": "Baseline"}, "timepoint"),  # no case folding
        ({"timepoint": " baseline "}, "timepoint"),  # no trimming
        ({"timepoint": "Baseline (start of support)"}, "timepoint"),  # no labels
        ({"date_administered": "13/01/2025"}, "date_administered"),  # ISO only
        ({"total_score": "13"}, "total_score"),  # a string is not a number
        ({"mode": ""}, "mode"),  # "" is not a missing value
        ({"items": [1, 2, 3, 0, 1, 2, 3, 0]}, "items"),  # never padded to 9
        ({"items": [1, 2, 3, 0, 1, 2, 3, 0, 4]}, "item_9"),  # PHQ-9 answers are 0-3
        ({"instrument": "PAM13", "items": None}, None),  # the licensed score is required
        ({"colour": "blue"}, None),  # unknown fields
    ],
)
def test_what_the_schema_rejects_is_schema_invalid(
    changes: dict[str, Any], column: str | None
) -> None:
    found = problems("outcome", {**PHQ9, **changes}, file="f", row=2)
    assert [(f.code, f.column) for f in found][:1] == [("schema-invalid", column)]
    assert "JSON Schema" in found[0].message


@pytest.mark.parametrize("value", ["yes", 1, "true", None])
def test_booleans_are_json_booleans(value: Any) -> None:
    found = problems("participant", {**PARTICIPANT, "consent_research": value}, file="f", row=2)
    assert [f.column for f in found] == ["consent_research"]


def test_blank_names_are_rejected_by_the_schema() -> None:
    record = {
        "organisation_id": "org-1",
        "name": "   ",
        "organisation_type": "charity",
        "region": "london",
    }
    assert [f.column for f in problems("organisation", record, file="f", row=2)] == ["name"]


def test_jsonl_is_strict_but_the_same_values_in_csv_are_read_leniently(tmp_path: Path) -> None:
    lenient = {**PARTICIPANT, "sex": "Female", "consent_research": "yes"}
    jsonl = _jsonl(tmp_path, "participants", lenient)
    assert sorted(_codes(jsonl)) == [
        (2, "consent_research", "schema-invalid"),
        (2, "sex", "schema-invalid"),
    ]
    csv = tmp_path / "csv"
    csv.mkdir()
    (csv / "participants.csv").write_text(
        ",".join(lenient) + "\n" + ",".join(str(v) for v in lenient.values()) + "\n",
        encoding="utf-8",
    )
    assert _codes(csv / "participants.csv") == []


def test_a_mapping_keeps_the_lenient_reading(tmp_path: Path) -> None:
    from peerbench.validators.mapping import Mapping

    mapping = Mapping(record_type="outcome", columns={"id": "record_id"})
    path = _jsonl(tmp_path, "outcomes", {**{k: v for k, v in PHQ9.items() if k != "record_id"},
                                         "id": "m-1"})  # fmt: skip
    report = validate([path], today=TODAY, mapping=mapping)
    assert report.by_code["schema-invalid"] == 0


def test_items_null_in_one_record_does_not_hide_the_items_of_others(tmp_path: Path) -> None:
    pam = {**PHQ9, "record_id": "m-2", "instrument": "PAM13", "items": None}
    path = _jsonl(tmp_path, "outcomes", PHQ9, {**pam, "licensed_score": 55.0})
    assert _codes(path) == []


def test_parquet_rows_are_checked_as_the_json_records_they_stand_for(tmp_path: Path) -> None:
    table = pa.table(
        {
            "participant_key": [KEY, KEY],
            "service_id": ["svc-1", "svc-2"],
            "age_band": ["35_44", "35-44"],
            "sex": ["female", "Female"],
            "consent_research": ["true", "yes"],  # text where the schema has booleans
        }
    )
    path = tmp_path / "participants.parquet"
    pq.write_table(table, path)
    found = {(row, column) for row, column, code in _codes(path) if code == "schema-invalid"}
    assert found == {
        (2, "consent_research"),
        (3, "age_band"),
        (3, "consent_research"),
        (3, "sex"),
    }


def test_parquet_nulls_are_fields_not_given(tmp_path: Path) -> None:
    """consent_quotes has a default and no null in JSON; a null Parquet cell is absent."""
    table = pa.table(
        {
            "participant_key": [KEY, None],
            "service_id": ["svc-1", "svc-2"],
            "age_band": ["35_44", "35_44"],
            "sex": ["female", "female"],
            "consent_research": [True, True],
            "consent_quotes": pa.array([None, None], pa.bool_()),
        }
    )
    path = tmp_path / "participants.parquet"
    pq.write_table(table, path)
    # Row 2 is accepted; row 3 lacks its required participant_key.
    assert sorted((row, code) for row, _, code in _codes(path)) == [
        (3, "required-missing"),
        (3, "schema-invalid"),
    ]


def test_json_row_writes_dates_as_iso_and_timestamps_as_not_dates() -> None:
    row = json_row({"d": dt.date(2025, 1, 2), "t": dt.datetime(2025, 1, 2, 3, 4)})
    assert row == {"d": "2025-01-02", "t": "2025-01-02T03:04:00"}


def test_json_rows_reads_dictionaries_nulls_and_dates_as_json_would() -> None:
    from peerbench.validators.readers.strict import json_rows

    codes = pa.array(["female", None, "male", "female"]).dictionary_encode()
    dates = pa.array([dt.date(2025, 1, 2), None, dt.date(2025, 3, 4), None], pa.date32())
    items = pa.array([[1, None], None, [], [3]], pa.list_(pa.int16()))
    batch = pa.RecordBatch.from_arrays([codes, dates, items], names=["sex", "d", "items"])
    assert json_rows(batch) == [
        {"sex": "female", "d": "2025-01-02", "items": [1, None]},
        {},  # a null cell is a field not given
        {"sex": "male", "d": "2025-03-04", "items": []},
        {"sex": "female", "items": [3]},
    ]


# ------------------------------------------------- Parquet batches checked alongside
def _outcome_batches(bad_rows: set[int], rows: int = 6, size: int = 2) -> list[pa.RecordBatch]:
    records = [
        {**PHQ9, "record_id": f"m-{i}", "timepoint": "Baseline" if i in bad_rows else "baseline"}
        for i in range(rows)
    ]
    batches: list[pa.RecordBatch] = pa.Table.from_pylist(records).to_batches(max_chunksize=size)
    return batches


def _source(batches: list[pa.RecordBatch]) -> Source:
    options = OpenOptions(record_type="outcome", mapping=None, batch_rows=2)
    return new_source("f.parquet", "outcome", "parquet", batches[0].schema.names, options)


def _read_then_damaged(batches: list[pa.RecordBatch], source: Source) -> Iterator[pa.RecordBatch]:
    """The batches, then damage found when reading on (as the Parquet reader reports it)."""
    yield from batches
    add_finding(source, finding("file-unreadable", file=source.file, detail="damaged"))


def _codes_and_rows(source: Source) -> list[tuple[str, int | None]]:
    return [(f.code, f.row) for f in source.findings]


@pytest.mark.parametrize("every_row", [False, True])
def test_strict_findings_come_before_damage_found_on_reading(every_row: bool) -> None:
    batches = _outcome_batches({0, 3, 5})
    source = _source(batches)
    stream = checked_batches(_read_then_damaged(batches, source), source, every_row=every_row)
    assert [b.num_rows for b in stream] == [2, 2, 2]
    assert _codes_and_rows(source) == [
        ("schema-invalid", 2),
        ("schema-invalid", 5),
        ("schema-invalid", 7),
        ("file-unreadable", None),
    ]


@pytest.mark.parametrize("every_row", [False, True])
def test_a_stream_closed_early_keeps_the_findings_of_the_batches_passed_on(
    every_row: bool,
) -> None:
    """A limit closes the stream part-way; its finding follows those of the rows read."""
    batches = _outcome_batches({0, 1, 4})
    source = _source(batches)
    stream = checked_batches(iter(batches), source, every_row=every_row)
    assert next(stream).num_rows == 2
    stream.close()
    assert _codes_and_rows(source) == [("schema-invalid", 2), ("schema-invalid", 3)]


def test_strict_findings_stop_where_a_source_stops_keeping_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(strict, "MAX_READER_FINDINGS", 3)
    monkeypatch.setattr(sources, "MAX_READER_FINDINGS", 3)
    batches = _outcome_batches(set(range(8)), rows=8, size=4)
    found = []
    for every_row in (False, True):
        source = _source(batches)
        for _ in checked_batches(iter(batches), source, every_row=every_row):
            pass
        found.append(_codes_and_rows(source))
    assert found[0] == found[1] == [("schema-invalid", row) for row in (2, 3, 4)]
