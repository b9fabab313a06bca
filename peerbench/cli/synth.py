"""``peerbench synth``: write a realistic synthetic multi-organisation dataset."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import click

from peerbench.cli.constants import (
    FILE_FORMATS,
    REFERENCE_AS_OF,
    REFERENCE_ORGANISATIONS,
    REFERENCE_SEED,
)


def _non_negative(ctx: click.Context, param: click.Parameter, value: int | None) -> int | None:
    if value is not None and value < 0:
        raise click.BadParameter(f"must be 0 or more, got {value}")
    return value


def _rate(ctx: click.Context, param: click.Parameter, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise click.BadParameter(f"must be between 0 and 1, got {value}")
    return value


@click.command(name="synth")
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder to write the dataset into (created if missing).",
)
@click.option(
    "--orgs",
    type=int,
    default=None,
    callback=_non_negative,
    help=f"Number of organisations [default: {REFERENCE_ORGANISATIONS}].",
)
@click.option(
    "--outcome-rows",
    type=int,
    default=None,
    callback=_non_negative,
    help="Exact number of participants' outcome rows (peer workers' own come on top) "
    "[default: 30000].",
)
@click.option(
    "--seed",
    type=int,
    default=None,
    callback=_non_negative,
    help=f"Random seed; the same seed gives identical files [default: {REFERENCE_SEED}].",
)
@click.option(
    "--format",
    "file_format",
    type=click.Choice(FILE_FORMATS),
    default="parquet",
    show_default=True,
    help="File format.",
)
@click.option(
    "--errors",
    "error_rate",
    type=float,
    default=0.0,
    show_default=True,
    callback=_rate,
    help="Share of rows (0-1) given one known error, listed in injected_errors.csv.",
)
@click.option(
    "--reference",
    is_flag=True,
    help="The fixed reference dataset: seed 20260101, 12 organisations, 30,000 "
    "outcome rows, as of 2026-09-30 (--format and --errors still apply).",
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help=f"Extract date: nothing is dated after it [default: {REFERENCE_AS_OF}].",
)
def synth(
    out_dir: Path,
    orgs: int | None,
    outcome_rows: int | None,
    seed: int | None,
    file_format: str,
    error_rate: float,
    reference: bool,
    as_of: dt.datetime | None,
) -> None:
    """Generate a realistic, deterministic synthetic dataset in the standard's format.

    Writes organisations, services, participants, engagements, outcomes, service_use
    and feedback files (a record type with no rows is left out), a peerbench.json
    manifest and, with --errors, a list of the injected errors. A summary goes to stderr.

    Example: peerbench synth --out demo --orgs 20 --outcome-rows 100000 --format csv
    """
    from peerbench.io.tabular import FileFormat
    from peerbench.schema.records import RECORD_TYPES
    from peerbench.synth import SynthConfig, generate, write_dataset

    if reference:
        if any(v is not None for v in (orgs, outcome_rows, seed, as_of)):
            raise click.BadParameter(
                "cannot be combined with --orgs, --outcome-rows, --seed or --as-of",
                param_hint="--reference",
            )
        config = SynthConfig.reference().model_copy(update={"error_rate": error_rate})
    else:
        if orgs == 0:
            raise click.BadParameter("must be at least 1", param_hint="--orgs")
        defaults = SynthConfig()
        config = SynthConfig(
            seed=defaults.seed if seed is None else seed,
            organisations=defaults.organisations if orgs is None else orgs,
            outcome_rows=defaults.outcome_rows if outcome_rows is None else outcome_rows,
            as_of=defaults.as_of if as_of is None else as_of.date(),
            error_rate=error_rate,
        )
    started = time.perf_counter()
    dataset = generate(config)
    paths = write_dataset(dataset, out_dir, FileFormat(file_format))
    seconds = time.perf_counter() - started
    for record_type, table in dataset.tables.items():
        if record_type in paths:
            click.echo(f"{paths[record_type].name:<24}{table.num_rows:>12,} rows", err=True)
        else:
            stem = RECORD_TYPES[record_type].file_stem
            click.echo(f"{stem:<24}{'none':>12} (no file written)", err=True)
    if dataset.errors.num_rows:
        click.echo(f"{paths['errors'].name:<24}{dataset.errors.num_rows:>12,} errors", err=True)
    click.echo(f"wrote {out_dir} in {seconds:.1f} s (seed {config.seed})", err=True)
