"""``peerbench benchmark``: always controlled; ``--format json`` equals the library."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import (
    BenchmarkOptions,
    BenchmarkResult,
    compute,
    controlled,
    open_source,
)
from peerbench.cli.benchmark import benchmark
from peerbench.disclosure import DisclosurePolicy
from tests.benchmarking.conftest import tiny_tables
from tests.compare import assert_json_close


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """:func:`tiny_tables` as a folder of standard Parquet files."""
    out = tmp_path_factory.mktemp("tiny")
    tables = tiny_tables()
    pq.write_table(tables["outcome"], out / "outcomes.parquet")
    pq.write_table(tables["service"], out / "services.parquet")
    return out


def _run(*args: str) -> str:
    result = CliRunner().invoke(benchmark, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_json_equals_the_library_result(tiny_dir: Path) -> None:
    output = json.loads(_run("--store", str(tiny_dir), "--format", "json", "--owner", "org-a"))
    loaded = open_source(tiny_dir)
    options = BenchmarkOptions(disclosure_policy=DisclosurePolicy())
    raw = compute(loaded.source, options, generated_from=loaded.description)
    expected = controlled(raw, viewer_organisation_id="org-a").to_dict()
    assert_json_close(output, json.loads(json.dumps(expected)))


def test_json_is_byte_identical_cold_and_warm(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PEERBENCH_CACHE_DIR", str(tmp_path / "cache"))
    cold = _run("--store", str(tiny_dir), "--format", "json", "--owner", "org-a")

    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm run went through the result object")

    monkeypatch.setattr(BenchmarkResult, "from_dict", fail)
    monkeypatch.setattr(BenchmarkResult, "to_dict", fail)
    warm = _run("--store", str(tiny_dir), "--format", "json", "--owner", "org-a")
    assert warm == cold


def test_json_without_owner_is_the_public_view(tiny_dir: Path) -> None:
    output = json.loads(_run("--store", str(tiny_dir), "--format", "json"))
    assert output["disclosure"]["viewer_organisation_id"] is None
    end = {r["service_id"]: r for r in output["outcomes"] if r["timepoint"] == "end"}
    assert end["s2"]["n_paired"] is None and end["s3"]["n_paired"] == 15


def test_csv_is_the_per_service_outcome_table(tiny_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "outcomes.csv"
    _run("--store", str(tiny_dir), "--format", "csv", "--min-n", "5", "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert {r["service_id"] for r in rows} == {"s1", "s2", "s3"}
    assert list(rows[0])[:4] == ["service_id", "instrument", "period", "timepoint"]


def test_table_shows_what_works_and_services(tiny_dir: Path) -> None:
    text = _run("--store", str(tiny_dir), "--instrument", "PHQ9")
    assert "What works for whom" in text and "Outcomes per service" in text
    assert "structured_programme" in text
    only = _run("--store", str(tiny_dir), "--by", "service")
    assert "What works for whom" not in only and "Outcomes per service" in only


def test_a_folder_without_outcomes_fails_with_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(benchmark, ["--store", str(tmp_path)])
    assert result.exit_code == 1
    assert "outcomes.parquet" in result.output


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(benchmark, ["--help"])
    assert result.exit_code == 0 and "Example:" in result.output


def test_library_and_tiny_source_agree(tiny_dir: Path) -> None:
    from_folder = compute(open_source(tiny_dir).source)
    from_tables = compute(BenchmarkSource.from_tables(tiny_tables()))
    # DuckDB's threads add in any order, so floats may differ in the last bit.
    assert_json_close(
        [asdict(row) for row in from_folder.outcomes],
        [asdict(row) for row in from_tables.outcomes],
    )
