"""``peerbench submit`` and ``peerbench status``: a thin shell over :class:`PeerbenchClient`.

Tests (and embedding tools) can route the client through an in-process app by invoking
with ``obj={"http_client": <httpx.Client>}``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from peerbench.cli.output import echo_err, emit, format_option, quiet_option
from peerbench.cli.prepare import describe_prepared, key_file_option, load_any_mapping, run_prepare

if TYPE_CHECKING:  # loaded when a command runs (see peerbench.cli.constants)
    from peerbench.client import PeerbenchClient, SubmissionStatus
    from peerbench.validators.mapping import Mapping


def _period(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from peerbench.server.submissions import check_period

    try:
        return check_period(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def server_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--server`` and ``--key`` (else env, else the config file)."""
    func = click.option(
        "--key",
        help="API key [default: PEERBENCH_KEY or the config file]. Prefer those: a key on "
        "the command line can be seen by other users of the machine.",
    )(func)
    return click.option(
        "--server", help="Server URL [default: PEERBENCH_SERVER or the config file]."
    )(func)


def make_client(server: str | None, key: str | None) -> PeerbenchClient:
    """The client for a command; a missing server or key is a usage error (exit 2)."""
    from peerbench.client import PeerbenchClient
    from peerbench.client_config import ConfigError

    obj = click.get_current_context().obj
    http = obj.get("http_client") if isinstance(obj, dict) else None
    try:
        return PeerbenchClient(server, key, http=http)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def _fail(message: str) -> NoReturn:
    echo_err(message)
    raise click.exceptions.Exit(1)


@contextmanager
def _progress(total: int, quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """An upload progress bar on stderr, only when stderr is a terminal."""
    stream = sys.stderr
    if quiet or not stream.isatty():
        yield None
        return
    with click.progressbar(length=total, label="Uploading", file=stream) as bar:
        done = 0

        def update(sent: int, _total: int) -> None:
            nonlocal done
            bar.update(sent - done)
            done = sent

        yield update


def describe(result: SubmissionStatus) -> str:
    """A few lines saying what became of a submission."""
    from peerbench.validators.render_text import plural

    kinds = ", ".join(result.record_types) or "no record types"
    lines = [
        f"Submission {result.id}: {result.status.value.upper()}",
        f"  organisation {result.organisation_id}, period {result.period}: "
        f"{plural(result.rows, 'row')} ({kinds})",
        f"  {plural(result.errors, 'error')}, {plural(result.warnings, 'warning')}",
    ]
    if result.versions:
        current = [v.record_type for v in result.versions if v.is_current]
        lines.append(f"  current in the pool: {', '.join(current) or 'none (superseded)'}")
    if result.supersedes:
        lines.append(f"  supersedes: {', '.join(result.supersedes)}")
    if result.failure:
        lines.append(f"  {result.failure}")
    return "\n".join(lines) + "\n"


def _verdict_code(result: SubmissionStatus) -> int:
    return 1 if result.status.value in ("rejected", "failed") else 0


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--period", required=True, callback=_period, help="Reporting quarter, e.g. 2026-Q3.")
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Mapping file. Version 2 (peerbench map): PATHS are your own spreadsheets, "
    "prepared as `peerbench prepare` does (needs --key-file). Version 1: PATHS are files "
    "in the standard's shape whose headers and labels it translates. Either way what is "
    "sent is exactly what was checked.",
)
@key_file_option(required=False)
@server_options
@click.option("--idempotency-key", help="Retry-safe key: resending with it never duplicates.")
@click.option("--no-wait", is_flag=True, help="Return once uploaded; do not wait for the verdict.")
@click.option(
    "--max-wait",
    type=click.FloatRange(min=1),
    default=600,
    show_default=True,
    help="Seconds to wait for the server's verdict.",
)
@format_option("text", "json", default="text")
@quiet_option
def submit(
    paths: tuple[Path, ...],
    period: str,
    mapping: Path | None,
    secret: bytes | None,
    server: str | None,
    key: str | None,
    idempotency_key: str | None,
    no_wait: bool,
    max_wait: float,
    output_format: str,
    quiet: bool,
) -> None:
    """Check data files locally, then submit them to a peerbench server.

    PATHS are data files or folders, as for `peerbench validate` (a folder written by
    `peerbench prepare` is one). With --mapping and --key-file, PATHS are your own
    spreadsheets: they are prepared into a temporary folder exactly as `peerbench
    prepare` does, and what is sent is exactly the files that were checked. Nothing is
    sent if the local check finds errors (the report is printed instead). Exits 0 when
    the server accepts the data, 1 when it is rejected or processing fails, 2 on usage
    errors.

    \b
    Example:
        export PEERBENCH_SERVER=https://pool.example.org PEERBENCH_KEY=pbk_...
        peerbench submit prepared/ --period 2026-Q3
        peerbench submit clients.xlsx --mapping clients.mapping.yaml \\
            --key-file org.key --period 2026-Q3
    """
    from peerbench.validators import validate as validate_files
    from peerbench.validators.render_text import render_text

    with ExitStack() as stack:
        if mapping is not None:
            paths = _prepared(paths, mapping, secret, quiet, stack)
        else:
            report = validate_files(list(paths))
            if not report.valid:
                if not quiet:
                    emit(render_text(report), None)
                _fail("Not submitted: fix the errors above and run the command again.")
        _send(paths, period, server, key, idempotency_key, no_wait, max_wait, output_format, quiet)


def _prepared(
    paths: tuple[Path, ...], mapping: Path, secret: bytes | None, quiet: bool, stack: ExitStack
) -> tuple[Path, ...]:
    """The files to send for ``--mapping``, in a temporary folder removed after sending.

    A version 2 mapping: the spreadsheets are prepared as ``peerbench prepare`` does. A
    version 1 mapping (headers and labels of files already in the standard's shape): the
    files are checked with it and sent as the canonical Parquet files that check made.
    Either way what is sent is exactly what was found valid.
    """
    from peerbench.validators.mapping import Mapping

    loaded = load_any_mapping(mapping)
    folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="peerbench-submit-")))
    if isinstance(loaded, Mapping):
        return _converted(paths, loaded, quiet, folder)
    if secret is None:
        raise click.UsageError(
            "--mapping needs --key-file: local ids are replaced with pseudonyms made with "
            "your organisation's key (peerbench keygen) before anything is sent"
        )
    result = run_prepare(paths, loaded, secret, folder / "prepared", temporary=True)
    if not result.valid:
        if not quiet:
            emit(describe_prepared(result, temporary=True), None)
        _fail("Not submitted: fix the errors above and run the command again.")
    if not quiet:
        echo_err(describe_prepared(result, temporary=True).split("\n\n", 1)[0])
    return (result.out_dir,)


def _converted(
    paths: tuple[Path, ...], mapping: Mapping, quiet: bool, folder: Path
) -> tuple[Path, ...]:
    from peerbench.io.tabular import FileFormat, conform, write_table
    from peerbench.schema.records import RECORD_TYPES
    from peerbench.validators import validate as validate_files
    from peerbench.validators.render_text import render_text

    result = validate_files(list(paths), mapping=mapping, collect=True)
    if not result.report.valid:
        if not quiet:
            emit(render_text(result.report), None)
        _fail("Not submitted: fix the errors above and run the command again.")
    for name, table in result.tables.items():
        path = folder / f"{RECORD_TYPES[name].file_stem}.parquet"
        write_table(conform(table, name), path, FileFormat.PARQUET)
    return (folder,)


def _send(
    paths: tuple[Path, ...],
    period: str,
    server: str | None,
    key: str | None,
    idempotency_key: str | None,
    no_wait: bool,
    max_wait: float,
    output_format: str,
    quiet: bool,
) -> None:
    from peerbench.client import PeerbenchError, SubmissionTimeout

    client = make_client(server, key)
    total = sum(p.stat().st_size for p in _files(paths))
    try:
        with client, _progress(total, quiet) as progress:
            result = client.submit(
                list(paths),
                period,
                idempotency_key=idempotency_key,
                wait=not no_wait,
                progress=progress,
                max_wait=max_wait,
            )
            text_report = (
                _rejection_text(client, result.id) if result.status.value == "rejected" else ""
            )
    except SubmissionTimeout as exc:
        _fail(exc.message)
    except PeerbenchError as exc:
        _fail(f"Not submitted: {exc.message}")
    if output_format == "json":
        emit(result.model_dump_json(indent=2) + "\n", None)
    elif not quiet:
        emit(describe(result) + (f"\n{text_report}" if text_report else ""), None)
    raise click.exceptions.Exit(_verdict_code(result))


SHOWN_FINDINGS = 20
"""Findings a rejection prints; the full report stays one command away."""


def _rejection_text(client: PeerbenchClient, submission_id: str) -> str:
    from peerbench.validators.render_text import render_text
    from peerbench.validators.report import Report

    data = client.report(submission_id, "json")
    assert isinstance(data, dict)  # the json format always parses to an object
    report = Report.from_dict(data, max_findings=SHOWN_FINDINGS)
    more = f"See every finding with: peerbench status {submission_id} --report"
    return render_text(report, more_hint=more)


def _files(paths: tuple[Path, ...]) -> list[Path]:
    from peerbench.client_upload import upload_files

    try:
        return upload_files(list(paths))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@click.command()
@click.argument("submission_id", required=False)
@click.option("--period", callback=_period, help="Only this quarter (when listing).")
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--report", "show_report", is_flag=True, help="Also print the validation report.")
@server_options
@format_option("text", "json", default="text")
def status(
    submission_id: str | None,
    period: str | None,
    limit: int,
    show_report: bool,
    server: str | None,
    key: str | None,
    output_format: str,
) -> None:
    """Show a submission's status, or list recent submissions when no ID is given.

    With an ID, exits 1 if that submission was rejected or failed.

    \b
    Example:
        peerbench status                   # recent submissions
        peerbench status 3f2a... --report  # one submission and its report
    """
    from peerbench.client import PeerbenchError

    client = make_client(server, key)
    try:
        with client:
            if submission_id is None:
                items = client.list(period, limit=limit)
                if output_format == "json":
                    data = [json.loads(item.model_dump_json()) for item in items]
                    emit(json.dumps(data, indent=2) + "\n", None)
                else:
                    emit(_table(items), None)
                return
            result = client.status(submission_id)
            report = client.report(submission_id, "text") if show_report and result.finished else ""
    except PeerbenchError as exc:
        _fail(exc.message)
    if output_format == "json":
        emit(result.model_dump_json(indent=2) + "\n", None)
    else:
        emit(describe(result) + (f"\n{report}" if report else ""), None)
    raise click.exceptions.Exit(_verdict_code(result))


def _table(items: list[SubmissionStatus]) -> str:
    if not items:
        return "No submissions.\n"
    rows = [("ID", "Period", "Organisation", "Status", "Rows", "Errors", "Current", "Created")]
    for item in items:
        created = item.created_at.strftime("%Y-%m-%d %H:%M")
        rows.append(
            (
                item.id,
                item.period,
                item.organisation_id,
                item.status.value,
                f"{item.rows:,}",
                f"{item.errors:,}",
                "yes" if item.is_current else "no",
                created,
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )
