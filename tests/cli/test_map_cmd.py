"""``peerbench map``: a thin shell over propose_mapping; writes the YAML, says what is left."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from peerbench.cli.main import cli
from peerbench.intake.mapping import load_mapping
from peerbench.intake.propose import propose_mapping

CSV = (
    "Client ID,Full name,Gender,Age group,Date completed,Stage,"
    + ",".join(f"Q{n}" for n in range(1, 15))
    + ",Total\n"
    + "C001,Ann Smith,Woman,45 to 54,14/01/2025,Start,"
    + ",".join(["Often"] * 14)
    + ",56\n"
    + "C002,Bob Jones,M,18-24,15/01/2025,3 months,"
    + ",".join(["Rarely"] * 14)
    + ",28\n"
)


def _csv(tmp_path: Path, name: str = "clients.csv") -> Path:
    path = tmp_path / name
    path.write_text(CSV, encoding="utf-8")
    return path


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, ["map", *(str(a) for a in args)])


def test_map_writes_the_librarys_yaml_and_says_what_is_left(tmp_path: Path) -> None:
    source = _csv(tmp_path)
    out = tmp_path / "mapping.yaml"
    result = _run(source, "--out", out, "--no-preview")
    assert result.exit_code == 0, result.output
    proposal = propose_mapping([source])
    assert out.read_text(encoding="utf-8") == proposal.to_yaml()
    assert proposal.summary(str(out)) in result.stderr
    assert f"{proposal.todo_count()} TODO line" in result.stderr
    assert "peerbench prepare" in result.stderr and "--key-file org.key" in result.stderr
    mapping = load_mapping(out)
    block = mapping.sheets["clients.csv"].blocks["outcome"]
    assert block.instrument == "WEMWBS"
    assert block.columns["Q14"] == "item_14"
    assert "Ann Smith" not in result.output and "C001" not in out.read_text(encoding="utf-8")


def test_out_dash_prints_the_yaml(tmp_path: Path) -> None:
    source = _csv(tmp_path)
    result = _run(source, "--out", "-", "--no-preview")
    assert result.exit_code == 0, result.output
    assert result.stdout == propose_mapping([source]).to_yaml()


def test_an_existing_mapping_is_kept_unless_forced(tmp_path: Path) -> None:
    source = _csv(tmp_path)
    out = tmp_path / "mapping.yaml"
    out.write_text("# my edits\n", encoding="utf-8")
    result = _run(source, "--out", out, "--no-preview")
    assert result.exit_code == 2
    assert "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "# my edits\n"
    result = _run(source, "--out", out, "--no-preview", "--force")
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("# peerbench mapping")


def test_a_missing_file_or_not_a_spreadsheet_is_a_usage_error(tmp_path: Path) -> None:
    out = tmp_path / "mapping.yaml"
    missing = _run(tmp_path / "nope.xlsx", "--out", out)
    assert missing.exit_code == 2
    notes = tmp_path / "notes.txt"
    notes.write_text("hello\n", encoding="utf-8")
    wrong = _run(notes, "--out", out)
    assert wrong.exit_code == 2
    assert "not a spreadsheet" in wrong.stderr
    assert not out.exists()


def test_map_is_a_peerbench_command_with_help() -> None:
    result = CliRunner().invoke(cli, ["map", "--help"])
    assert result.exit_code == 0
    assert "Propose a mapping file for SPREADSHEET" in result.output


def test_the_preview_is_the_librarys_and_shows_no_identifying_value(tmp_path: Path) -> None:
    source = _csv(tmp_path)
    result = _run(source, "--out", tmp_path / "mapping.yaml", "--rows", "2")
    assert result.exit_code == 0, result.output
    preview = propose_mapping([source]).preview(rows=2)
    assert preview in result.stderr
    assert "(pseudonymised at prepare)" in preview and "sex=female" in preview
    assert "Dropped at prepare from" in preview and "Full name" in preview
    for value in ("Ann Smith", "Bob Jones", "C001", "C002"):
        assert value not in result.output


def test_a_damaged_workbook_is_a_usage_error_and_nothing_is_written(tmp_path: Path) -> None:
    damaged = tmp_path / "damaged.xlsx"
    damaged.write_bytes(b"not a zip")
    out = tmp_path / "mapping.yaml"
    result = _run(damaged, "--out", out)
    assert result.exit_code == 2
    assert "no sheet could be read" in result.stderr
    assert not out.exists()


def test_out_may_not_be_a_folder(tmp_path: Path) -> None:
    result = _run(_csv(tmp_path), "--out", tmp_path, "--force")
    assert result.exit_code == 2
    assert "is a folder" in result.stderr


MYCHECK = (
    "code: MYCHECK\nname: Our check\nversion: '1'\nlicence: ours\nsource: us\n"
    "item_count: 4\nresponse_min: 0\nresponse_max: 2\n"
    "response_labels: {Not yet: 0, A bit: 1, A lot: 2}\n"
    "scoring: {method: sum}\nscore_min: 0\nscore_max: 8\ndirection: higher_is_better\n"
)


def test_a_registered_local_instrument_is_recognised_by_its_answer_words(tmp_path: Path) -> None:
    source = tmp_path / "checks.csv"
    source.write_text(
        "Ref,Date,Stage,Q1,Q2,Q3,Q4\nR1,2026-01-05,Start,A lot,Not yet,A bit,a LOT\n",
        encoding="utf-8",
    )
    definition = tmp_path / "mycheck.yaml"
    definition.write_text(MYCHECK, encoding="utf-8")
    out = tmp_path / "mapping.yaml"
    result = _run(source, "--out", out, "--register", definition, "--rows", "1")
    assert result.exit_code == 0, result.output
    mapping = load_mapping(out)
    assert mapping.sheets["checks.csv"].blocks["outcome"].instrument == "MYCHECK"
    assert "items=[2 0 1 2]" in result.stderr  # the preview reads the words with it too
    without = _run(source, "--out", "-", "--no-preview")
    assert "instrument: MYCHECK" not in without.stdout


def test_a_broken_local_instrument_is_a_usage_error(tmp_path: Path) -> None:
    definition = tmp_path / "bad.yaml"
    definition.write_text("code: bad\n", encoding="utf-8")
    result = _run(_csv(tmp_path), "--out", tmp_path / "m.yaml", "--register", definition)
    assert result.exit_code == 2
    assert "bad.yaml" in result.stderr
