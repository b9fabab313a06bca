from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from peerbench.cli.main import COMMANDS, cli


def test_generate_then_check_passes_and_drift_fails(tmp_path: Path, repo_root: Path) -> None:
    spec = tmp_path / "SPEC.md"
    spec.write_text((repo_root / "SPEC.md").read_text())
    out = tmp_path / "schema"
    runner = CliRunner()
    result = runner.invoke(cli, ["schema", "generate", "--out", str(out), "--spec", str(spec)])
    assert result.exit_code == 0, result.output
    assert (
        runner.invoke(cli, ["schema", "check", "--out", str(out), "--spec", str(spec)]).exit_code
        == 0
    )
    (out / "json" / "service.schema.json").write_text("{}")
    result = runner.invoke(cli, ["schema", "check", "--out", str(out)])
    assert result.exit_code == 1
    assert "json/service.schema.json (out of date)" in result.output


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
