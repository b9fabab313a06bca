"""``peerbench validate``: check files against the standard and say what to fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from peerbench import runtime
from peerbench.cli.limits_option import limit_option
from peerbench.cli.output import (
    echo_err,
    emit,
    format_option,
    out_option,
    quiet_option,
    record_type_option,
)
from peerbench.cli.prepare import (
    describe_prepared,
    key_file_option,
    load_any_mapping,
    run_prepare,
)
from peerbench.validators.report import DEFAULT_MAX_FINDINGS

if TYPE_CHECKING:  # loaded when the command runs (see peerbench.cli.constants)
    from peerbench.intake.mapping import MappingFile
    from peerbench.validators.limits import Limits
    from peerbench.validators.report import Report


def render(report: Report, output_format: str) -> str:
    """The report in ``output_format`` (``text``, ``json`` or ``html``)."""
    if output_format == "json":
        return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
    if output_format == "html":
        from peerbench.validators.render_html import render_html

        return render_html(report)
    from peerbench.validators.render_text import render_text

    return render_text(report)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@format_option("text", "json", "html", default="text")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="YAML file translating your own headers and labels to the standard's. With a "
    "version 2 mapping (peerbench map), PATHS are your own spreadsheets, read exactly as "
    "`peerbench prepare` reads them.",
)
@key_file_option(required=False)
@record_type_option
@click.option(
    "--max-errors",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_FINDINGS,
    show_default=True,
    help="List at most this many problems (all are still counted).",
)
@click.option(
    "--quality/--no-quality",
    default=True,
    show_default=True,
    help="Add the data-quality profile (completeness, validity, follow-up coverage); "
    "skipped when --quiet leaves nothing to show it in.",
)
@limit_option()
@quiet_option
@out_option("Write the report to this file instead of the screen.")
def validate(
    paths: tuple[Path, ...],
    output_format: str,
    mapping: Path | None,
    secret: bytes | None,
    record_type: str | None,
    max_errors: int,
    quality: bool,
    limits: Limits,
    quiet: bool,
    out: Path | None,
) -> None:
    """Check data files against the Peer Support Outcomes Standard.

    PATHS are CSV, Excel, JSON Lines or Parquet files (or folders of them), each named
    after its record type (outcomes.csv, or a workbook with an 'outcomes' sheet).
    Exits 0 when the data is valid (warnings allowed), 1 when it is not.

    \b
    Example:
        peerbench validate outcomes.csv participants.csv --format html --out report.html
    """
    runtime.arrow_jemalloc()  # a lower peak than Arrow's default pool (see there)
    from peerbench.validators import validate as validate_files

    shown = out is not None or not quiet
    loaded = None if mapping is None else load_any_mapping(mapping)
    if loaded is not None:
        # Only with a mapping file: its model needs pydantic, which a plain run never loads.
        from peerbench.validators.mapping import Mapping

        if not isinstance(loaded, Mapping):  # version 2: the intake path
            if record_type is not None:
                raise click.UsageError("--record-type does not go with a version 2 mapping")
            report, text = _through_intake(paths, loaded, secret, max_errors, limits)
            if shown:
                emit(text if output_format == "text" else render(report, output_format), out)
            _finish(report, out, output_format, quiet)
            return
    # A quiet run with no --out shows nothing but its exit code: no profile is made for it.
    run: Callable[..., Report] = validate_files
    if quality and shown:
        from peerbench.validators.quality import validate_with_quality

        run = validate_with_quality
    else:
        runtime.arrow_without_pandas()  # nothing here uses pandas: save loading it
    report = run(
        list(paths),
        record_type=record_type,
        mapping=loaded,
        max_findings=max_errors,
        limits=limits,
    )
    if shown:
        emit(render(report, output_format), out)
    _finish(report, out, output_format, quiet)


def _finish(report: Report, out: Path | None, output_format: str, quiet: bool) -> None:
    from peerbench.validators.render_text import verdict

    if out is not None:
        echo_err(f"Report written to {out}", quiet=quiet)
    if out is not None or output_format != "text":
        # The text report already opens with the verdict; other formats get it on stderr.
        echo_err(verdict(report), quiet=quiet)
    click.get_current_context().exit(0 if report.valid else 1)


def _through_intake(
    paths: tuple[Path, ...],
    mapping: MappingFile,
    secret: bytes | None,
    max_errors: int,
    limits: Limits,
) -> tuple[Report, str]:
    """Prepare the spreadsheets into a folder thrown away afterwards; the report and text.

    Without --key-file the pseudonyms are made with a throwaway key: the verdict and the
    rows named are the same for any key.
    """
    import tempfile

    from peerbench.schema.pseudonym import new_secret

    with tempfile.TemporaryDirectory(prefix="peerbench-validate-") as folder:
        result = run_prepare(
            paths,
            mapping,
            secret if secret is not None else new_secret(),
            Path(folder) / "prepared",
            temporary=True,
            limits=limits,
            max_findings=max_errors,
        )
    return result.report, describe_prepared(result, temporary=True)
