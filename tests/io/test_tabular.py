from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from peerbench.io.atomic import atomic_path
from peerbench.io.tabular import FileFormat, conform, to_flat, write_table
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.version import STANDARD_VERSION
from tests.factories import example_record


def _outcomes() -> pa.Table:
    rows = [
        {**example_record("outcome"), "record_id": "a", "items": [1, None, 3]},
        {**example_record("outcome"), "record_id": "b", "items": None},
        {**example_record("outcome"), "record_id": "c", "items": [4, 5, 1, 1]},
    ]
    table = pa.Table.from_pylist(rows)
    table = table.set_column(
        table.column_names.index("date_administered"),
        "date_administered",
        pa.array(["2025-01-13"] * 3).cast(pa.date32()),
    )
    return conform(table, "outcome")


def test_conform_orders_casts_and_adds_missing_columns() -> None:
    table = conform(pa.table({"record_id": ["x"]}), "feedback")
    assert table.schema == arrow_schema("feedback")
    assert table.column("themes").to_pylist() == [None]


def test_to_flat_spreads_items_over_columns_and_joins_themes() -> None:
    flat = to_flat(_outcomes())
    assert [c for c in flat.column_names if c.startswith("item_")] == [
        "item_1",
        "item_2",
        "item_3",
        "item_4",
    ]
    assert flat.column("item_2").to_pylist() == [None, None, 5]
    assert flat.column("item_4").to_pylist() == [None, None, 1]
    themes = to_flat(pa.table({"themes": [["hope", "connection"], None]}))
    assert themes.column("themes").to_pylist() == ["hope;connection", None]


@pytest.mark.parametrize("file_format", list(FileFormat))
def test_write_table_round_trips(tmp_path: Path, file_format: FileFormat) -> None:
    path = tmp_path / f"outcomes.{file_format.value}"
    write_table(_outcomes(), path, file_format)
    if file_format is FileFormat.PARQUET:
        back = pq.read_table(path)
        assert back.schema.metadata[b"peerbench.standard_version"] == STANDARD_VERSION.encode()
        assert back.column("items").to_pylist() == [[1, None, 3], None, [4, 5, 1, 1]]
    elif file_format is FileFormat.CSV:
        back = pacsv.read_csv(path)
        assert back.column("item_3").to_pylist() == [3, None, 1]
    else:
        lines = path.read_text().splitlines()
        assert json.loads(lines[0])["items"] == [1, None, 3]
        assert "items" not in json.loads(lines[1])
    assert list(tmp_path.iterdir()) == [path]


def test_atomic_path_leaves_target_untouched_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "data.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("crash")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]
