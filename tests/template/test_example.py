"""The filled example workbook: the template's own workbook, valid as it is, stable bytes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from peerbench.aggregate.subjects import participant_outcomes
from peerbench.cli.main import cli
from peerbench.synth import generate
from peerbench.template.example import EXAMPLE_CONFIG, example_workbook_bytes
from peerbench.template.workbook import build_workbook
from peerbench.validators import validate


def test_the_example_is_the_template_filled_and_valid(tmp_path: Path) -> None:
    data = example_workbook_bytes()
    assert example_workbook_bytes() == data  # the same bytes every time
    path = tmp_path / "example.xlsx"
    path.write_bytes(data)
    workbook = load_workbook(path)
    assert workbook.sheetnames == build_workbook().sheetnames
    report = validate([path], today=dt.date(2026, 12, 6))
    assert report.valid, report.flatten()
    rows = {Path(f.file).name.split("#")[1]: f.rows for f in report.files}
    outcomes = generate(EXAMPLE_CONFIG)["outcome"]
    assert participant_outcomes(outcomes).num_rows == 40  # and the peer workers' own on top
    assert rows["outcomes"] == outcomes.num_rows > 40
    assert rows["peer_workers"] > 0 and rows["referrals"] > rows["engagements"]
    assert rows["organisations"] == 1
    assert all(count > 0 for name, count in rows.items() if name != "service_use")


def test_the_cli_writes_the_same_bytes(tmp_path: Path) -> None:
    out = tmp_path / "example.xlsx"
    result = CliRunner().invoke(cli, ["template", "--example", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == example_workbook_bytes()
    refused = CliRunner().invoke(
        cli, ["template", "--example", "--format", "csv", "--out", str(tmp_path / "c")]
    )
    assert refused.exit_code == 2
