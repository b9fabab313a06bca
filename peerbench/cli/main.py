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
    "directory": "peerbench.cli.directory_cmd:directory",
    "fhir": "peerbench.cli.fhir_cmd:fhir",
    "migrate": "peerbench.cli.migrate:migrate",
}
"""Command name → ``module:attribute`` of its click command."""

SUMMARIES: dict[str, str] = {
    "synth": "Generate a realistic, deterministic synthetic dataset in the standard's format.",
    "validate": "Check data files against the Peer Support Outcomes Standard.",
    "template": "Write a blank template generated from the standard.",
    "keygen": "Make a new secret key for pseudonymising participant ids.",
    "pseudonymise": "Replace local participant or peer-worker ids with pseudonymous keys.",
    "convert": "Convert a valid data file to canonical Parquet.",
    "prepare": "Turn your own spreadsheets into standard files, ready to submit.",
    "schema": "Generate or check the language-neutral standard (JSON Schema, Arrow, code lists).",
    "instruments": "The outcome instruments peerbench knows, and local ones you register.",
    "admin": "Manage organisations, networks, memberships and API keys on the server.",
    "db": "Create and check the server's metadata database.",
    "serve": "Run the peerbench web portal and submission API (FastAPI on uvicorn).",
    "submit": "Check data files locally, then submit them to a peerbench server.",
    "status": "Show a submission's status, or list recent submissions when no ID is given.",
    "benchmark": "Benchmark services: outcomes, funnels, pooled effects and what works for whom.",
    "download": "Download a researcher extract: consented rows only, re-keyed, documented.",
    "report": "Write a plain-English HTML report (and optionally a PDF) from pooled data.",
    "map": "Propose a mapping file for SPREADSHEET (.xlsx or .csv; several allowed).",
    "directory": "Open Referral UK: list the pool's peer-support services for service directories.",
    "fhir": "FHIR R4: instruments as Questionnaires, outcomes as QuestionnaireResponses.",
    "migrate": "Upgrade standard files (a FILE or a FOLDER) to this version of the standard.",
}
"""Command name → the first paragraph of its help, which ``peerbench --help`` lists.

Kept here so that listing the commands imports none of them (importing them all took
4-9 s); ``tests/cli/test_main.py`` fails when a command's own help says otherwise."""


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

    def summary_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """A stand-in holding only the command's summary, when :data:`SUMMARIES` has it.

        Its short help is shortened by click exactly as the real command's would be.
        """
        if cmd_name in SUMMARIES:
            return click.Command(cmd_name, help=SUMMARIES[cmd_name])
        return self.get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands section of ``--help``, as click writes it, without importing them."""
        commands = [
            (name, command)
            for name in self.list_commands(ctx)
            if (command := self.summary_command(ctx, name)) is not None and not command.hidden
        ]
        if not commands:
            return
        limit = formatter.width - 6 - max(len(name) for name, _ in commands)
        rows = [(name, command.get_short_help_str(limit)) for name, command in commands]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


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
