"""The ``peerbench`` command: a thin shell over the library."""

from __future__ import annotations

import click

from peerbench import __version__
from peerbench.cli.admin import admin
from peerbench.cli.benchmark import benchmark
from peerbench.cli.convert import convert
from peerbench.cli.db_cmd import db
from peerbench.cli.download import download
from peerbench.cli.instruments_cmd import instruments
from peerbench.cli.pseudonymise import keygen, pseudonymise
from peerbench.cli.report import report
from peerbench.cli.schema_cmd import schema
from peerbench.cli.serve import serve
from peerbench.cli.submit import status, submit
from peerbench.cli.synth import synth
from peerbench.cli.template import template
from peerbench.cli.validate import validate
from peerbench.schema.version import STANDARD_VERSION


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message=f"peerbench %(version)s (standard {STANDARD_VERSION})")
def cli() -> None:
    """peerbench: the Peer Support Outcomes Standard and its toolkit.

    Validate, pseudonymise and pool peer-support outcome data, then compare services
    fairly. Run `peerbench COMMAND --help` for each command.
    """


_COMMANDS = (
    synth,
    validate,
    template,
    keygen,
    pseudonymise,
    convert,
    schema,
    instruments,
    admin,
    db,
    serve,
    submit,
    status,
    benchmark,
    download,
    report,
)
for command in _COMMANDS:
    cli.add_command(command)
