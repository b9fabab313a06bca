"""The result model: JSON round trip, flat Arrow tables, suppression markers."""

from __future__ import annotations

import json

import pyarrow as pa

from peerbench.benchmarking import SECTIONS, BenchmarkOptions, BenchmarkResult, OutcomeRow
from peerbench.disclosure import DisclosurePolicy


def _small() -> BenchmarkResult:
    row = OutcomeRow(
        service_id="s1",
        organisation_id="org-a",
        instrument="PHQ9",
        period="all",
        timepoint="end",
        n_paired=4,
        mean_change=float("nan"),
        suppressed={"d_z": "below-min-n"},
    )
    options = BenchmarkOptions(instrument="PHQ9", disclosure_policy=DisclosurePolicy())
    return BenchmarkResult(options=options, generated_from="test", outcomes=(row,))


def test_to_dict_is_strict_json_and_nan_becomes_null() -> None:
    data = _small().to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["outcomes"][0]["mean_change"] is None


def test_json_round_trip_of_the_reference_result(reference_public: BenchmarkResult) -> None:
    data = json.loads(json.dumps(reference_public.to_dict(), allow_nan=False))
    rebuilt = BenchmarkResult.from_dict(data)
    assert rebuilt.to_dict() == data
    assert rebuilt.outcomes == reference_public.outcomes


def test_suppressed_markers_name_table_row_field_and_reason() -> None:
    (marker,) = _small().suppressed
    assert (marker.table, marker.field, marker.reason) == ("outcomes", "d_z", "below-min-n")
    assert marker.row == {
        "service_id": "s1",
        "instrument": "PHQ9",
        "period": "all",
        "timepoint": "end",
    }


def test_tables_are_flat_with_key_columns_first_even_when_empty() -> None:
    tables = _small().tables()
    assert set(tables) == {*SECTIONS, "suppressed"}
    outcomes = tables["outcomes"]
    assert outcomes.column_names[:4] == ["service_id", "instrument", "period", "timepoint"]
    assert outcomes.schema.field("n_paired").type == pa.int64()
    assert json.loads(outcomes.column("suppressed")[0].as_py()) == {"d_z": "below-min-n"}
    assert tables["meta"].num_rows == 0 and "estimate" in tables["meta"].column_names
    for table in tables.values():
        for field in table.schema:
            assert not pa.types.is_nested(field.type), field.name
