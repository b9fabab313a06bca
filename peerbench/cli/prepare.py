"""``peerbench prepare``: a thin shell over :func:`peerbench.intake.prepare.prepare`.

``validate --mapping`` (with a version 2 mapping) and ``submit --mapping`` go through
:func:`run_prepare` too, so the three commands read, map, pseudonymise and check a
spreadsheet in exactly the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from peerbench.cli.limits_option import limit_option
from peerbench.cli.output import F, emit, quiet_option
from peerbench.validators.limits import DEFAULT_LIMITS, Limits
from peerbench.validators.report import DEFAULT_MAX_FINDINGS

if TYPE_CHECKING:  # loaded when a command runs (see peerbench.cli.constants)
    from peerbench.intake.mapping import MappingFile
    from peerbench.intake.prepare import PrepareResult
    from peerbench.validators.mapping import Mapping


def load_any_mapping(path: Path) -> MappingFile | Mapping:
    """A version 2 mapping file as :class:`MappingFile`; a version 1 file as before.

    A version 1 file keeps its old meaning for ``validate`` and ``convert`` (headers and
    labels of files already named by record type); a version 2 file is the intake path.

    Raises:
        click.BadParameter: the file is not a valid mapping (a usage error, exit 2).
    """
    from peerbench.intake.mapping import load_mapping
    from peerbench.validators.mapping import Mapping

    try:
        mapping = load_mapping(path)
        return mapping if mapping.version == 2 else Mapping.from_file(path)
    except (OSError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--mapping") from exc


def _mapping_file(ctx: click.Context, param: click.Parameter, value: Path | None) -> MappingFile:
    assert value is not None  # required
    from peerbench.intake.mapping import load_mapping

    try:
        return load_mapping(value)
    except (OSError, ValueError) as exc:
        raise click.BadParameter(str(exc)) from exc


def _key(ctx: click.Context, param: click.Parameter, value: Path | None) -> bytes | None:
    if value is None:
        return None
    from peerbench.schema.pseudonym import read_key_file

    try:
        return read_key_file(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def key_file_option(*, required: bool) -> Callable[[F], F]:
    """``--key-file FILE``: the organisation's key, arriving as bytes (``secret``)."""
    return click.option(
        "--key-file",
        "secret",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        required=required,
        callback=_key,
        help="Key made by `peerbench keygen` (local ids become pseudonyms with it).",
    )


TEMPORARY = Path()
"""``shown_as`` for a run into a temporary folder: the report names bare file names."""


def run_prepare(
    paths: Sequence[Path],
    mapping: MappingFile,
    key: bytes,
    out_dir: Path,
    *,
    temporary: bool = False,
    limits: Limits = DEFAULT_LIMITS,
    max_findings: int = DEFAULT_MAX_FINDINGS,
) -> PrepareResult:
    """:func:`prepare`, with a folder it must not touch as a usage error (exit 2).

    ``temporary``: ``out_dir`` is thrown away afterwards (validate, submit), so the
    report names the standard files without it.
    """
    from peerbench.intake.prepare import PrepareError, prepare

    try:
        return prepare(
            list(paths),
            mapping,
            key,
            out_dir,
            limits=limits,
            max_findings=max_findings,
            shown_as=TEMPORARY if temporary else None,
        )
    except PrepareError as exc:
        raise click.UsageError(str(exc)) from None


def describe_prepared(result: PrepareResult, *, temporary: bool = False) -> str:
    """What ``prepare`` wrote and dropped, then the validation report."""
    from peerbench.schema.records import RECORD_TYPES
    from peerbench.validators.render_text import plural, render_text

    lines: list[str] = []
    if not temporary:
        lines.append(f"Wrote {plural(len(result.files), 'standard file')} to {result.out_dir}:")
        width = max((len(f.path.name) for f in result.files), default=0)
        lines += [f"  {f.path.name:<{width}}  {plural(f.rows, 'record')}" for f in result.files]
        lines.append(f"  {'peerbench.json':<{width}}  the manifest (standard version)")
    left_out = [RECORD_TYPES[r].file_stem for r in result.not_collected]
    if left_out:
        lines.append(f"Not in the spreadsheet, so left out (that is fine): {', '.join(left_out)}.")
    if result.dropped:
        lines.append("Direct identifiers dropped (never written):")
        lines += [f"  {place}: {', '.join(cols)}" for place, cols in result.dropped.items()]
    else:
        lines.append("Direct identifiers dropped: none found.")
    lines += [f"Note: {note}" for note in result.notes]
    return "\n".join(lines) + "\n\n" + render_text(result.report)


@click.command()
@click.argument(
    "spreadsheets",
    nargs=-1,
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
)
@click.option(
    "--mapping",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    callback=_mapping_file,
    help="Mapping file (version 2), as proposed by `peerbench map` and edited.",
)
@key_file_option(required=True)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the standard files (new, empty, or written by prepare before).",
)
@limit_option()
@quiet_option
def prepare_cmd(
    spreadsheets: tuple[Path, ...],
    mapping: MappingFile,
    secret: bytes,
    out_dir: Path,
    limits: Limits,
    quiet: bool,
) -> None:
    """Turn your own spreadsheets into standard files, ready to submit.

    Reads each SPREADSHEET (CSV or Excel) through the mapping file, replaces local
    participant ids with pseudonyms made with your key, drops every direct identifier
    (names, dates of birth once the age band is worked out, contact details, NHS
    numbers), writes the standard files and a peerbench.json manifest into --out, and
    checks them. Problems are reported at the rows of YOUR spreadsheet. The folder is
    written whole or not at all. Exits 0 when the files are valid, 1 when they are not,
    2 on usage errors.

    \b
    Example:
        peerbench prepare clients.xlsx --mapping clients.mapping.yaml \\
            --key-file org.key --out prepared/
    """
    result = run_prepare(spreadsheets, mapping, secret, out_dir, limits=limits)
    if not quiet:
        emit(describe_prepared(result), None)
    click.get_current_context().exit(0 if result.valid else 1)
