"""Resource limits: the settings, and the checks made while a source's rows stream."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from peerbench.validators.limits import DEFAULT_LIMITS, Limits, guarded, limit_finding
from peerbench.validators.source import Source, SourceBatch


def _source(columns: dict[str, list[str]], batches: int = 1) -> Source:
    table = pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})

    def stream() -> Iterator[SourceBatch]:
        for index in range(batches):
            yield SourceBatch(table, 2 + index * table.num_rows)

    names = list(columns)
    return Source("f.csv", "participant", "csv", names, names, stream())


def _read(source: Source) -> int:
    return sum(batch.table.num_rows for batch in source.batches)


def test_replace_changes_named_limits_only() -> None:
    changed = DEFAULT_LIMITS.replace(max_rows=5, max_seconds=1.5)
    assert (changed.max_rows, changed.max_seconds) == (5, 1.5)
    assert changed.max_columns == DEFAULT_LIMITS.max_columns
    assert isinstance(DEFAULT_LIMITS.replace(max_rows=5.0).max_rows, int)


@pytest.mark.parametrize(
    ("changes", "message"), [({"rows": 1}, "unknown limit"), ({"max_rows": -1}, "negative")]
)
def test_replace_refuses_bad_changes(changes: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DEFAULT_LIMITS.replace(**changes)


def test_the_finding_names_the_limit_and_how_to_raise_it() -> None:
    found = limit_finding("f.csv", "max_rows", 1000, "more than 1,000 rows", row=5)
    assert found.code == "limit-exceeded" and found.row == 5
    assert "max_rows is 1,000" in found.message
    assert "--limit max_rows=N" in found.message and "PEERBENCH_LIMIT_MAX_ROWS" in found.message


def test_rows_over_the_limit_stop_the_stream_at_that_batch() -> None:
    source = guarded(_source({"a": ["x"] * 3}, batches=4), Limits(max_rows=7))
    assert _read(source) == 6  # two batches of 3; the third would make 9
    [finding] = source.findings
    assert finding.code == "limit-exceeded" and "max_rows" in finding.message


def test_rows_at_the_limit_pass() -> None:
    source = guarded(_source({"a": ["x"] * 3}, batches=2), Limits(max_rows=6))
    assert _read(source) == 6 and source.findings == []


def test_a_long_cell_is_counted_in_characters_not_bytes() -> None:
    accented = "é" * 10  # 20 bytes, 10 characters
    assert _read(guarded(_source({"a": [accented]}), Limits(max_cell_chars=10))) == 1
    source = guarded(_source({"a": ["ok", "é" * 11]}), Limits(max_cell_chars=10))
    assert _read(source) == 0
    [finding] = source.findings
    assert "column a holds 11 characters" in finding.message and finding.row == 2


def test_dictionary_columns_are_checked_through_their_dictionary() -> None:
    column = pa.array(["y" * 20, "y" * 20]).dictionary_encode()
    source = Source("f.parquet", "participant", "parquet", ["a"], ["a"],
                    iter([SourceBatch(pa.table({"a": column}), 2)]))  # fmt: skip
    guarded(source, Limits(max_cell_chars=19))
    assert _read(source) == 0 and source.findings[0].code == "limit-exceeded"


def test_too_many_columns_gives_no_rows() -> None:
    source = guarded(_source({f"c{i}": ["x"] for i in range(5)}), Limits(max_columns=4))
    assert _read(source) == 0
    assert "5 columns" in source.findings[0].message


def test_time_is_checked_between_batches() -> None:
    source = guarded(_source({"a": ["x"]}, batches=3), Limits(max_seconds=0))
    assert _read(source) == 0
    assert "max_seconds" in source.findings[0].message
