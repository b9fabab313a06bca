from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from peerbench.cli.main import cli


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

    def walk(group: object, path: list[str]) -> None:
        commands = getattr(group, "commands", {})
        for name, command in commands.items():
            result = runner.invoke(cli, [*path, name, "--help"])
            assert result.exit_code == 0
            if not getattr(command, "commands", None):
                assert "Example:" in result.output, " ".join([*path, name])
            walk(command, [*path, name])

    walk(cli, [])
