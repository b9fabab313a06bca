"""``peerbench synth`` through click's in-process runner."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from peerbench.aggregate.subjects import participant_outcomes
from peerbench.cli.synth import synth
from peerbench.io.tabular import FileFormat
from peerbench.schema.records import RECORD_TYPES

STEMS = [model.file_stem for model in RECORD_TYPES.values()]


@pytest.mark.parametrize("file_format", [f.value for f in FileFormat])
def test_writes_all_files(tmp_path: Path, file_format: str) -> None:
    result = CliRunner().invoke(
        synth,
        [
            "--out",
            str(tmp_path),
            "--orgs",
            "3",
            "--outcome-rows",
            "400",
            "--seed",
            "4",
            "--format",
            file_format,
            "--errors",
            "0.02",
            "--as-of",
            "2025-12-31",
        ],
    )
    assert result.exit_code == 0, result.output
    for stem in STEMS:
        assert (tmp_path / f"{stem}.{file_format}").exists()
    assert (tmp_path / "injected_errors.csv").exists()
    document = json.loads((tmp_path / "peerbench.json").read_text())
    assert document["as_of"] == "2025-12-31"
    outcomes = document["files"][f"outcomes.{file_format}"]["rows"]
    assert outcomes > 400  # 400 participants' questionnaires, peer workers' own on top
    assert "outcomes" in result.stderr and "rows" in result.stderr
    assert result.stdout == ""


def test_reference_preset(tmp_path: Path) -> None:
    result = CliRunner().invoke(synth, ["--reference", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    outcomes = pq.read_table(tmp_path / "outcomes.parquet")
    assert participant_outcomes(outcomes).num_rows == 30_000
    assert pq.read_table(tmp_path / "organisations.parquet").num_rows == 12
    assert json.loads((tmp_path / "peerbench.json").read_text())["generator"]["seed"] == 20260101


@pytest.mark.parametrize(
    "arguments",
    [
        ["--outcome-rows", "-1"],
        ["--orgs", "-3"],
        ["--orgs", "0"],
        ["--errors", "1.5"],
        ["--errors", "-0.1"],
        ["--seed", "-2"],
        ["--format", "xlsx"],
        ["--as-of", "30/09/2026"],
        ["--reference", "--orgs", "3"],
    ],
)
def test_usage_errors_exit_2(tmp_path: Path, arguments: list[str]) -> None:
    result = CliRunner().invoke(synth, ["--out", str(tmp_path), *arguments])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "peerbench.json").exists()


def test_help_has_an_example() -> None:
    result = CliRunner().invoke(synth, ["--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
