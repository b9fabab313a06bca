"""The ``peerbench`` command: a thin shell over the library."""

from __future__ import annotations

import click

from peerbench import __version__
from peerbench.cli.instruments_cmd import instruments
from peerbench.cli.schema_cmd import schema
from peerbench.schema.version import STANDARD_VERSION


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, message=f"peerbench %(version)s (standard {STANDARD_VERSION})")
def cli() -> None:
    """peerbench: the Peer Support Outcomes Standard and its toolkit.

    Validate, pseudonymise and pool peer-support outcome data, then compare services
    fairly. Run `peerbench COMMAND --help` for each command.
    """


cli.add_command(schema)
cli.add_command(instruments)
