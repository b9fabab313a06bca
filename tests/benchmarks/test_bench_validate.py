"""The validation benchmark's fixed-cost split and strict-check row (no timing is judged)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks import bench_validate
from benchmarks.common import Repeated


def _repeated(median: float, code: int = 0) -> Repeated:
    return Repeated(median, (median,), 100.0, code, median)


def test_one_row_copy_keeps_the_header_and_the_first_row(tmp_path: Path) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\r\n")
    small = bench_validate.one_row_copy(path)
    assert small == tmp_path / "outcomes-1row.csv"
    assert small.read_bytes() == b"a,b\r\n1,2\r\n"
    path.write_bytes(b"changed\n")
    assert bench_validate.one_row_copy(path).read_bytes() == b"a,b\r\n1,2\r\n"  # made once


def test_fixed_cost_is_taken_off_both_sides_of_the_per_row_ratio(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text("a\n1\n2\n")
    ran: list[Sequence[Sequence[str]]] = []

    def small_runs(commands: Sequence[Sequence[str]], repeat: int, **_: object) -> list[Repeated]:
        ran.append(commands)
        return [_repeated(0.2), _repeated(0.6)]

    monkeypatch.setattr(bench_validate, "interleaved_processes", small_runs)
    fixed, per_row = bench_validate.fixed_cost_rows(
        ["peerbench", "validate"], path, (_repeated(0.8), _repeated(1.7)), 3
    )
    assert all(str(tmp_path / "outcomes-1row.csv") in command for command in ran[0])
    assert fixed.seconds == pytest.approx(0.6) and fixed.ratio == pytest.approx(3.0)
    assert per_row.seconds == pytest.approx(1.1) and per_row.ratio == pytest.approx(1.1 / 0.6)


def test_a_failed_small_run_is_reported_not_divided(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "outcomes.csv"
    path.write_text("a\n1\n")
    monkeypatch.setattr(
        bench_validate,
        "interleaved_processes",
        lambda commands, repeat, **_: [_repeated(0.2), _repeated(0.1, code=3)],
    )
    (row,) = bench_validate.fixed_cost_rows(["x"], path, (_repeated(1), _repeated(2)), 1)
    assert row.seconds is None and row.note == "FAILED"


def test_the_strict_mask_row_times_the_masks_and_counts_rows_left(tmp_path: Path) -> None:
    key = "3f2a9c4e8b7d6a5f1e0c2b3a4d5e6f70"
    table = pa.table(
        {
            "record_id": ["m-1", "m-2"],
            "participant_key": [key, key],
            "service_id": ["svc-1", "svc-1"],
            "instrument": ["GAD7", "GAD7"],
            "timepoint": ["baseline", "Baseline"],  # the second is not a code
            "date_administered": pa.array([dt.date(2025, 1, 13)] * 2, pa.date32()),
            "items": pa.array([[1, 2, 3, 0, 1, 2, 3]] * 2, pa.list_(pa.int16())),
        }
    )
    path = tmp_path / "outcomes.parquet"
    pq.write_table(table, path)
    row = bench_validate.strict_mask_row(path, 2, read_seconds=2.0, repeat=1)
    assert row.seconds is not None and row.ratio == row.seconds / 2.0
    assert "1 rows left to jsonschema-rs" in row.note


def test_a_file_a_limit_refuses_is_a_failed_validation_not_a_fast_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The 10M-row file is over the validator's default row limit: refused from its footer
    in milliseconds, it was once timed as a 0.01 s validation that met its target."""
    path = tmp_path / "outcomes.parquet"
    pq.write_table(pa.table({"participant_key": ["a", "b", "c"]}), path)
    monkeypatch.setattr(bench_validate, "BENCH_MAX_ROWS", 2)
    validate, _ = bench_validate.library_validate()
    assert validate is not None
    with pytest.raises(RuntimeError, match="not read to the end"):
        validate(path)
    pair = bench_validate.interleaved(lambda: None, lambda: validate(path), 1)
    row = pair.row("peerbench validate Parquet (library)", 3, "Parquet read", 2.0, "")
    assert row.met is False and "FAILED" in row.note
    monkeypatch.setattr(bench_validate, "BENCH_MAX_ROWS", 3)
    bench_validate.library_validate()[0](path)  # type: ignore[misc]  # read to the end
    assert bench_validate.refused(b'{"code": "limit-exceeded"}')
    assert not bench_validate.refused(b'{"code": "type-error"}')
