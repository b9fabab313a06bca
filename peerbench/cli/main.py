"""The ``peerbench`` command: a thin shell over the library."""

from __future__ import annotations

import importlib

import click

from peerbench import __version__, runtime
from peerbench.schema.version import STANDARD_VERSION

COMMANDS: dict[str, str] = {
    "synth": "peerbench.cli.synth:synth",
    "validate": "peerbench.cli.validate:validate",
    "template": "peerbench.cli.template:template",
    "keygen": "peerbench.cli.pseudonymise:keygen",
    "pseudonymise": "peerbench.cli.pseudonymise:pseudonymise",
    "convert": "peerbench.cli.convert:convert",
    "prepare": "peerbench.cli.prepare:prepare_cmd",
    "schema": "peerbench.cli.schema_cmd:schema",
    "instruments": "peerbench.cli.instruments_cmd:instruments",
    "admin": "peerbench.cli.admin:admin",
    "db": "peerbench.cli.db_cmd:db",
    "serve": "peerbench.cli.serve:serve",
    "submit": "peerbench.cli.submit:submit",
    "status": "peerbench.cli.submit:status",
    "benchmark": "peerbench.cli.benchmark:benchmark",
    "download": "peerbench.cli.download:download",
    "report": "peerbench.cli.report:report",
    "map": "peerbench.cli.map_cmd:map_spreadsheets",
}
"""Command name → ``module:attribute`` of its click command."""


class LazyGroup(click.Group):
    """Imports a command's module only when that command runs.

    The analysis and report commands pull in Great Expectations, Ibis and Altair; loading
    them for every `peerbench validate` or `submit` would add seconds to each start.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, attribute = COMMANDS[cmd_name].split(":")
        command = getattr(importlib.import_module(module_name), attribute)
        assert isinstance(command, click.Command)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message=f"peerbench %(version)s (standard {STANDARD_VERSION})")
def cli() -> None:
    """peerbench: the Peer Support Outcomes Standard and its toolkit.

    Validate, pseudonymise and pool peer-support outcome data, then compare services
    fairly. Run `peerbench COMMAND --help` for each command.
    """
    # A one-shot command would spend longer loading the compiled checks than they save
    # (see peerbench.runtime); `peerbench serve` turns them back on.
    runtime.compiled_checks = False
