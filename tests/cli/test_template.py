"""``peerbench template`` writes the workbook or CSV templates the library builds."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from openpyxl import load_workbook

from peerbench.cli.template import template
from peerbench.schema.records import RECORD_TYPES
from peerbench.template.workbook import workbook_bytes


def test_xlsx(tmp_path: Path) -> None:
    out = tmp_path / "template.xlsx"
    result = CliRunner().invoke(template, ["--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "Template written to" in result.stderr
    assert out.read_bytes() == workbook_bytes()
    assert "outcomes" in load_workbook(out).sheetnames


def test_csv_folder(tmp_path: Path) -> None:
    out = tmp_path / "csv"
    result = CliRunner().invoke(template, ["--format", "csv", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{m.file_stem}.csv" for m in RECORD_TYPES.values()
    )


def test_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(template, []).exit_code == 2
    assert runner.invoke(template, ["--out", str(tmp_path / "t.csv")]).exit_code == 2
    assert runner.invoke(template, ["--format", "pdf", "--out", str(tmp_path)]).exit_code == 2
    (tmp_path / "file").write_text("x")
    result = runner.invoke(template, ["--format", "csv", "--out", str(tmp_path / "file")])
    assert result.exit_code == 2


def test_help_has_example() -> None:
    assert "Example:" in CliRunner().invoke(template, ["--help"]).output
