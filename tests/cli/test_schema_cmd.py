from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from peerbench.cli.main import COMMANDS, cli


def test_generate_then_check_passes_and_drift_fails(tmp_path: Path, repo_root: Path) -> None:
    spec = tmp_path / "SPEC.md"
    spec.write_text((repo_root / "SPEC.md").read_text())
    out, versions = tmp_path / "schema", tmp_path / "versions"
    shutil.copytree(repo_root / "peerbench" / "schema" / "versions", versions)
    runner = CliRunner()
    result = runner.invoke(
        cli,
        ["schema", "generate", "--out", str(out), "--spec", str(spec), "--versions", str(versions)],
    )
    assert result.exit_code == 0, result.output
    check = ["schema", "check", "--out", str(out), "--spec", str(spec), "--versions", str(versions)]
    assert runner.invoke(cli, check).exit_code == 0
    (versions / "1.2.0.json").write_text("{}")
    result = runner.invoke(cli, check)
    assert result.exit_code == 1
    assert "1.2.0.json (differs from the models)" in result.output
    (out / "json" / "service.schema.json").write_text("{}")
    result = runner.invoke(cli, ["schema", "check", "--out", str(out)])
    assert result.exit_code == 1
    assert "json/service.schema.json (out of date)" in result.output


def test_check_fails_when_a_table_generated_inside_the_package_is_stale(
    tmp_path: Path, repo_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from peerbench.schema import record_table_gen

    stale = tmp_path / "record_table.py"
    stale.write_text("# an old table\n")
    monkeypatch.setattr(record_table_gen, "TABLE", stale)
    versions = tmp_path / "versions"
    shutil.copytree(repo_root / "peerbench" / "schema" / "versions", versions)
    args = ["--out", str(tmp_path / "schema"), "--versions", str(versions)]
    runner = CliRunner()
    assert runner.invoke(cli, ["schema", "generate", *args]).exit_code == 0
    assert stale.read_text() == record_table_gen.table_source()
    assert runner.invoke(cli, ["schema", "check", *args]).exit_code == 0
    stale.write_text("# an old table\n")
    result = runner.invoke(cli, ["schema", "check", *args])
    assert result.exit_code == 1
    assert f"stale: {stale}" in result.output


def test_spec_without_markers_is_a_usage_error(tmp_path: Path) -> None:
    spec = tmp_path / "SPEC.md"
    spec.write_text("# nothing generated here\n")
    result = CliRunner().invoke(
        cli, ["schema", "check", "--out", str(tmp_path / "s"), "--spec", str(spec)]
    )
    assert result.exit_code == 2


def test_every_command_has_help_with_an_example() -> None:
    runner = CliRunner()
    ctx = click.Context(cli)
    seen: list[str] = []

    def walk(group: click.Group, path: list[str]) -> None:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None, name
            result = runner.invoke(cli, [*path, name, "--help"])
            assert result.exit_code == 0, " ".join([*path, name])
            seen.append(" ".join([*path, name]))
            if isinstance(command, click.Group):
                walk(command, [*path, name])
            else:
                assert "Example:" in result.output, " ".join([*path, name])

    walk(cli, [])
    assert {"validate", "submit", "benchmark", "report", "admin create-key"} <= set(seen)


def test_every_declared_command_loads() -> None:
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None and command.name == name


def test_diff_lists_changes_and_the_release_they_need() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["schema", "diff", "1.0", "1.1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "minor  added    catalogue code record-conflict" in lines
    assert "patch  changed  catalogue code total-mismatch message" in lines
    summary = re.fullmatch(
        r"(\d+) changes from 1\.0\.0 -> 1\.1\.0 \((\d+) major, (\d+) minor, (\d+) patch\): "
        r"a (minor|patch) release at least",
        lines[-1],
    )
    assert summary is not None, lines[-1]
    total, major, minor, patch = (int(summary.group(i)) for i in range(1, 5))
    assert total == len(lines) - 1 == major + minor + patch
    assert major == sum(line.startswith("major") for line in lines)
    only = runner.invoke(
        cli, ["schema", "diff", "1.0", "1.1", "--level", "minor"]
    ).output.splitlines()
    assert not [line for line in only[:-1] if line.startswith("patch")]
    assert len(only) == len(lines) - patch


def test_diff_as_json_and_for_unknown_versions() -> None:
    runner = CliRunner()
    result = runner.invoke(cli, ["schema", "diff", "1.0", "1.1", "--format", "json"])
    document = json.loads(result.output)
    assert (document["from"], document["to"], document["release_needed"]) == (
        "1.0.0",
        "1.1.0",
        "minor",
    )
    current = json.loads(runner.invoke(cli, ["schema", "diff", "1.1", "--format", "json"]).output)
    assert (current["to"], current["release_needed"]) == ("1.2.0", "minor")
    added = {c["subject"] for c in current["changes"] if c["level"] == "minor"}
    assert {"record type peer_worker", "record type referral", "field outcome.subject"} <= added
    phq9 = [c for c in document["changes"] if c["subject"] == "instrument PHQ9 response_labels"]
    assert phq9[0]["after"]["Several days"] == 1 and phq9[0]["before"] is None
    same = runner.invoke(cli, ["schema", "diff", "1.1", "1.1.0"])
    assert same.output.strip() == "no changes from 1.1.0 -> 1.1.0"
    unknown = runner.invoke(cli, ["schema", "diff", "0.9"])
    assert unknown.exit_code == 2 and "never released" in unknown.output
