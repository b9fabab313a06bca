"""``peerbench --help`` lists the commands from a static table, exactly as click would."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from peerbench.cli.main import COMMANDS, SUMMARIES, LazyGroup, cli


def _real(name: str) -> click.Command:
    command = cli.get_command(click.Context(cli), name)
    assert command is not None
    return command


def test_every_command_has_a_summary() -> None:
    assert set(SUMMARIES) == set(COMMANDS)


@pytest.mark.parametrize("name", sorted(COMMANDS))
@pytest.mark.parametrize("limit", [20, 45, 58, 74, 200])
def test_summary_shortens_as_the_commands_own_help(name: str, limit: int) -> None:
    stand_in = click.Command(name, help=SUMMARIES[name])
    assert stand_in.get_short_help_str(limit) == _real(name).get_short_help_str(limit)


@pytest.mark.parametrize("width", [60, 80, 120])
def test_help_is_what_click_writes_from_the_real_commands(width: int) -> None:
    eager = click.Group(
        name=cli.name,
        commands={name: _real(name) for name in COMMANDS},
        params=cli.params,
        help=cli.help,
        context_settings=cli.context_settings,
    )
    runner = CliRunner()
    fast = runner.invoke(cli, ["--help"], terminal_width=width, prog_name="peerbench")
    slow = runner.invoke(eager, ["--help"], terminal_width=width, prog_name="peerbench")
    assert fast.exit_code == slow.exit_code == 0
    assert fast.output == slow.output
    assert "validate" in fast.output


def test_a_command_without_a_summary_is_listed_from_its_own_help() -> None:
    group = LazyGroup(name="g", commands={"x": click.Command("x", help="Do x. More.")})
    result = CliRunner().invoke(group, ["--help"])
    assert re.search(r"^  x +Do x\.$", result.output, re.MULTILINE), result.output
