"""``peerbench validate``: exit codes are verdicts, json equals the library's report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result

from peerbench.cli.validate import validate
from peerbench.validators import validate as validate_files
from peerbench.validators.quality import validate_with_quality

HEADER = "organisation_id,name,organisation_type,region\n"
VALID = HEADER + "mind-leeds,Leeds Peer Network,charity,london\n"
INVALID = (
    HEADER
    + "mind-leeds,Leeds Peer Network,charity,london\n"
    + "york-peers,York Peers,banana,yorkshire_humber\n"
    + "hull-group,Hull Group,charity,atlantis\n"
)


def _write(folder: Path, text: str, name: str = "organisations.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def valid_file(tmp_path: Path) -> Path:
    folder = tmp_path / "ok"
    folder.mkdir()
    return _write(folder, VALID)


@pytest.fixture
def invalid_file(tmp_path: Path) -> Path:
    folder = tmp_path / "bad"
    folder.mkdir()
    return _write(folder, INVALID)


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(validate, [str(a) for a in args])


def test_valid_exits_0_with_text_report(valid_file: Path) -> None:
    result = _run(valid_file)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("VALID")
    assert "organisations.csv" in result.stdout


def test_invalid_exits_1_with_rows_and_hints(invalid_file: Path) -> None:
    result = _run(invalid_file)
    assert result.exit_code == 1, result.output
    text = result.stdout
    assert text.startswith("NOT VALID")
    lines = text.splitlines()
    assert any(line.strip().startswith("3 ") and "organisation_type" in line for line in lines)
    assert any(line.strip().startswith("4 ") and "region" in line for line in lines)
    assert "How to fix:" in text and "code-invalid" in text


def test_json_equals_library_report(invalid_file: Path) -> None:
    result = _run(invalid_file, "--format", "json")
    assert result.exit_code == 1
    library = validate_with_quality([invalid_file]).to_dict()
    assert json.loads(result.stdout) == library
    assert library["quality"]["score"]["validity"] < 100
    assert "NOT VALID" in result.stderr  # the verdict goes to stderr, never into the data


def test_no_quality_equals_plain_library_validation(invalid_file: Path) -> None:
    result = _run(invalid_file, "--format", "json", "--no-quality")
    assert json.loads(result.stdout) == validate_files([invalid_file]).to_dict()


def test_json_respects_options(invalid_file: Path) -> None:
    result = _run(
        invalid_file,
        "--format",
        "json",
        "--max-errors",
        "1",
        "--record-type",
        "organisations",
        "--no-quality",
    )
    library = validate_files([invalid_file], record_type="organisation", max_findings=1)
    assert json.loads(result.stdout) == library.to_dict()
    assert json.loads(result.stdout)["summary"]["truncated"] is True


def test_html_report(invalid_file: Path) -> None:
    result = _run(invalid_file, "--format", "html")
    assert result.exit_code == 1
    soup = BeautifulSoup(result.stdout, "html.parser")
    assert soup.title is not None and "not valid" in (soup.title.string or "")
    assert len(soup.select("tr.finding")) == 2
    assert soup.find("script") is None


def test_out_writes_file_and_nothing_to_stdout(invalid_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    result = _run(invalid_file, "--format", "html", "--out", out)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "<!DOCTYPE html>" in out.read_text(encoding="utf-8")
    assert "Report written to" in result.stderr


def test_quiet_prints_nothing_but_keeps_exit_code(valid_file: Path, invalid_file: Path) -> None:
    for path, code in ((valid_file, 0), (invalid_file, 1)):
        result = _run(path, "--quiet", "--format", "json")
        assert result.exit_code == code
        assert result.stdout == "" and result.stderr == ""


def test_quiet_without_out_makes_no_quality_profile(
    invalid_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing would show the profile, so Great Expectations is not run for it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the quality profile was made for a quiet run")

    monkeypatch.setattr("peerbench.validators.quality.validate_with_quality", refuse)
    assert _run(invalid_file, "--quiet").exit_code == 1


def test_max_errors_caps_listing(invalid_file: Path) -> None:
    result = _run(invalid_file, "--max-errors", "1")
    assert result.exit_code == 1
    assert "… and 1 more not listed" in result.stdout


def test_mapping_file(tmp_path: Path) -> None:
    source = _write(tmp_path, "Org,Name,Type,Region\nmind-leeds,Leeds,Charity,London\n")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "record_type: organisations\ncolumns:\n  Org: organisation_id\n  Name: name\n"
        "  Type: organisation_type\n  Region: region\n",
        encoding="utf-8",
    )
    result = _run(source, "--mapping", mapping)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["missing.csv"],
        ["{file}", "--format", "pdf"],
        ["{file}", "--max-errors", "0"],
        ["{file}", "--record-type", "spaceships"],
        ["{file}", "--mapping", "{bad_mapping}"],
    ],
)
def test_usage_errors_exit_2(args: list[str], valid_file: Path, tmp_path: Path) -> None:
    bad_mapping = tmp_path / "bad.yaml"
    bad_mapping.write_text("columns: [not, a, mapping]\n", encoding="utf-8")
    filled = [a.format(file=valid_file, bad_mapping=bad_mapping) for a in args]
    result = CliRunner().invoke(validate, filled)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""


def test_help_has_example() -> None:
    assert "Example:" in CliRunner().invoke(validate, ["--help"]).output


def test_a_limit_is_a_finding_and_can_be_raised(valid_file: Path) -> None:
    low = _run(valid_file, "--format", "json", "--no-quality", "--limit", "max_cell_chars=5")
    assert low.exit_code == 1
    codes = {f["code"] for f in json.loads(low.stdout)["findings"]}
    assert codes == {"limit-exceeded"}
    raised = _run(
        valid_file, "--no-quality", "--limit", "max_cell_chars=5", "--limit", "max_cell_chars=100"
    )
    assert raised.exit_code == 0


@pytest.mark.parametrize("bad", ["max_rows", "rows=5", "max_rows=many", "max_rows=-1"])
def test_a_bad_limit_is_a_usage_error(valid_file: Path, bad: str) -> None:
    result = _run(valid_file, "--limit", bad)
    assert result.exit_code == 2 and "--limit" in result.output
