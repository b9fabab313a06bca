"""``peerbench benchmark``: compare services fairly, always disclosure-controlled.

Thin shell over :func:`peerbench.benchmarking.compute` and
:func:`peerbench.benchmarking.controlled`; ``--format json`` prints exactly the
library's ``result.to_dict()`` (for a folder, the result cache's text of it:
:func:`peerbench.benchmarking.result_cache.benchmark_answer`).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import TYPE_CHECKING

import click

from peerbench.cli.output import emit, format_option, out_option

if TYPE_CHECKING:  # loaded when the command runs (see peerbench.cli.constants)
    from peerbench.benchmarking.result_cache import BenchmarkAnswer

BY_CHOICES = {
    "service": None,
    "facilitator_model": "facilitator_model",
    "format": "delivery_format",
    "structure": "structure",
    "condition": "condition_focus",
    "supervision": "regular_supervision",
    "accredited_training": "accredited_training",
    "paid_led": "paid_led",
}
"""``--by`` value → service attribute (``service``: the per-service table only)."""


@click.command(name="benchmark")
@click.option(
    "--store",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A server data directory (or its pool folder), or any folder of standard files.",
)
@click.option(
    "--server",
    default=None,
    help="Ask a peerbench server instead (key from --key, PEERBENCH_KEY or the config file).",
)
@click.option("--key", default=None, help="API key for --server (prefer PEERBENCH_KEY).")
@click.option("--instrument", default=None, help="Only this instrument (e.g. PHQ9, ONS4).")
@click.option("--period", default=None, help="Only baselines in this period (e.g. 2025-Q1).")
@click.option(
    "--by",
    "by",
    multiple=True,
    type=click.Choice(list(BY_CHOICES)),
    help="Compare by this (repeatable); default: every service attribute and per service.",
)
@format_option("table", "json", "csv", default="table")
@click.option(
    "--min-n",
    type=click.IntRange(min=2),
    default=10,
    show_default=True,
    help="Fewest paired people behind any published estimate.",
)
@click.option(
    "--engine",
    "--backend",
    "backend",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="Aggregation engine. spark needs peerbench[spark]: a local Spark session, or the "
    "Spark Connect server in PEERBENCH_SPARK_REMOTE (sc://host:port) when set.",
)
@click.option("--owner", default=None, help="Show this organisation's own services unrounded.")
@click.option(
    "--policy",
    "policy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Disclosure policy file (YAML or JSON); default NHS Digital rules.",
)
@click.option(
    "--as-of",
    "as_of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Measure access (and workforce) figures at this day, YYYY-MM-DD; "
    "default: the latest date in the records.",
)
@click.option(
    "--table",
    "table",
    default="outcomes",
    show_default=True,
    help="With --format csv: which table of the result (e.g. access, access_reasons, reach).",
)
@out_option("Write the output to FILE instead of stdout.")
def benchmark(
    store: Path | None,
    server: str | None,
    key: str | None,
    instrument: str | None,
    period: str | None,
    by: tuple[str, ...],
    output_format: str,
    min_n: int,
    backend: str,
    owner: str | None,
    policy_file: Path | None,
    as_of: dt.datetime | None,
    table: str,
    out: Path | None,
) -> None:
    """Benchmark services: outcomes, funnels, pooled effects and what works for whom.

    Every figure is disclosure-controlled (counts 1-7 hidden, others rounded to 5,
    estimates on fewer than --min-n people hidden). Use --owner to see your own
    organisation's services unrounded. --format table prints the "what works for whom"
    and per-service tables; json prints the whole result; csv the per-service table.

    With --server the server computes the benchmark over your key's scope (a submitter:
    its networks, its own services unrounded; a network analyst: its network).

    Example:

        peerbench synth --out demo && peerbench benchmark --store demo --instrument PHQ9
    """
    from peerbench.benchmarking import DEFAULT_BY

    if (store is None) == (server is None):
        raise click.UsageError("give exactly one of --store DIR or --server URL")
    attributes = tuple(a for b in by if (a := BY_CHOICES[b]) is not None) if by else DEFAULT_BY
    if server is not None and as_of is not None:
        raise click.UsageError("--as-of works with --store (a server measures at its latest date)")
    if server is not None:
        answer = _from_server(server, key, instrument, period, attributes)
    else:
        assert store is not None  # exactly one of the two was given
        answer = _from_store(
            store, instrument, period, attributes, min_n, backend, owner, policy_file,
            None if as_of is None else as_of.date(),
        )  # fmt: skip
    if output_format == "json":
        # The cache's text as it is: a warm run builds no result object.
        emit(answer.json_text + "\n", out)
    elif output_format == "csv":
        buffer = io.BytesIO()
        from peerbench.io.formulas import write_csv

        tables = answer.result.tables()
        if table not in tables:
            raise click.BadParameter(
                f"choose one of {', '.join(sorted(tables))}", param_hint="--table"
            )
        write_csv(tables[table], buffer)
        emit(buffer.getvalue().decode("utf-8"), out)
    else:
        from peerbench.benchmarking.text import render_text

        sections = ["services"] if by and not attributes else ["what_works", "services"]
        if by and "service" not in by:
            sections = ["what_works"]
        sections.append("workforce")

        emit(render_text(answer.result, sections=sections), out)


def _from_store(
    store: Path,
    instrument: str | None,
    period: str | None,
    attributes: tuple[str, ...],
    min_n: int,
    backend: str,
    owner: str | None,
    policy_file: Path | None,
    as_of: dt.date | None = None,
) -> BenchmarkAnswer:
    # Only the cache's front door: a result the cache holds needs none of the statistics.
    from peerbench.benchmarking import BenchmarkOptions
    from peerbench.benchmarking.result_cache import SourceError, benchmark_answer
    from peerbench.disclosure import DisclosurePolicy

    try:
        policy = DisclosurePolicy.from_file(policy_file) if policy_file else DisclosurePolicy()
        if backend == "spark":
            # Connect before the work: a bad or unreachable remote is a plain error.
            from peerbench.aggregate.backends import spark_connection

            spark_connection()
    except (OSError, ValueError, ImportError) as exc:
        raise click.ClickException(str(exc)) from exc
    options = BenchmarkOptions(
        instrument=instrument,
        period=period,
        by=attributes,
        min_n=min_n,
        backend=backend,
        disclosure_policy=policy,
        as_of=as_of,
    )
    try:
        return benchmark_answer(store, options, viewer_organisation_id=owner)
    except SourceError as exc:
        raise click.ClickException(str(exc)) from exc


def _from_server(
    server: str,
    key: str | None,
    instrument: str | None,
    period: str | None,
    attributes: tuple[str, ...],
) -> BenchmarkAnswer:
    # Imported here: the client stack is only needed for --server.
    from peerbench.benchmarking import BenchmarkResult
    from peerbench.benchmarking.result_cache import BenchmarkAnswer
    from peerbench.cli.submit import make_client
    from peerbench.client import PeerbenchError

    client = make_client(server, key)
    try:
        with client:
            page = client.benchmarks(instrument=instrument, period=period, by=attributes)
    except PeerbenchError as exc:
        raise click.ClickException(exc.message) from exc
    return BenchmarkAnswer(result=BenchmarkResult.from_dict(page.result))
