"""The access block of the benchmark text output, and the CLI's ``--as-of``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from peerbench.aggregate import BenchmarkSource
from peerbench.benchmarking import BenchmarkOptions, compute, controlled
from peerbench.benchmarking.access_text import access_block
from peerbench.benchmarking.text import render_text
from peerbench.cli.benchmark import benchmark
from peerbench.schema.records import RECORD_TYPES
from tests.benchmarking.test_access import AS_OF, engine_tables


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("access")
    for record_type, table in engine_tables().items():
        pq.write_table(table, out / f"{RECORD_TYPES[record_type].file_stem}.parquet")
    return out


def test_text_block_shows_waits_funnel_and_reasons() -> None:
    raw = compute(BenchmarkSource.from_tables(engine_tables()), BenchmarkOptions(as_of=AS_OF))
    lines = access_block(raw.access, raw.access_reasons)
    text = "\n".join(lines)
    assert "From referral to first contact (period all, as of 2025-03-31; days)" in text
    overall = next(line for line in text.splitlines() if line.startswith("all "))
    # 11 referred, 6 seen, median and p90 withheld (6 < min_n 10), 3 waiting,
    # 5 (45%) started, 4 (36%) attended, 2 (18%) completed — raw, before control.
    assert overall.split() == [
        "all", "all", "11", "6", "*", "*", "3", "*", "5", "(45%)", "4", "(36%)", "2", "(18%)",
    ]  # fmt: skip
    assert "Not started (6): declined 1, no contact 1, not suitable 1, waiting 3." in text
    assert "service " not in text  # per-service rows only in JSON/CSV
    public = render_text(controlled(raw))
    assert "From referral to first contact" in public


def test_cli_json_equals_the_library(folder: Path) -> None:
    out = CliRunner().invoke(
        benchmark,
        ["--store", str(folder), "--as-of", "2025-03-31", "--format", "json"],
        env={"PEERBENCH_CACHE_DIR": "off"},
    )
    assert out.exit_code == 0, out.output
    shown = json.loads(out.output)
    assert shown["options"]["as_of"] == "2025-03-31"
    library = controlled(
        compute(BenchmarkSource.from_folder(folder, cache=False), BenchmarkOptions(as_of=AS_OF))
    ).to_dict()
    assert shown["access"] == library["access"]
    assert shown["access_reasons"] == library["access_reasons"]
    text = CliRunner().invoke(
        benchmark, ["--store", str(folder)], env={"PEERBENCH_CACHE_DIR": "off"}
    )
    assert text.exit_code == 0, text.output
    # Without --as-of the day is the latest date in the referrals: r10's first contact.
    assert "as of 2025-04-10" in text.output


def test_cli_as_of_needs_a_store() -> None:
    out = CliRunner().invoke(benchmark, ["--server", "http://x", "--as-of", "2025-03-31"])
    assert out.exit_code == 2


def test_cli_csv_table_of_access(folder: Path) -> None:
    env = {"PEERBENCH_CACHE_DIR": "off"}
    args = ["--store", str(folder), "--as-of", "2025-03-31", "--format", "csv"]
    out = CliRunner().invoke(benchmark, [*args, "--table", "access"], env=env)
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert list(rows[0])[:6] == [
        "breakdown",
        "group",
        "period",
        "service_id",
        "as_of",
        "n_referred",
    ]
    assert (rows[0]["breakdown"], rows[0]["as_of"], rows[0]["n_referred"]) == (
        "all",
        "2025-03-31",
        "10",  # 11 referred, rounded
    )
    bad = CliRunner().invoke(benchmark, [*args, "--table", "nope"], env=env)
    assert bad.exit_code == 2 and "access_reasons" in bad.output
