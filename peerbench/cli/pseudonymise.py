"""``peerbench keygen`` and ``peerbench pseudonymise``.

Thin shells over :mod:`peerbench.schema.pseudonym` and :mod:`peerbench.intake.pseudonymise`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from peerbench.cli.constants import ID_COLUMN
from peerbench.cli.output import echo_err, warn

if TYPE_CHECKING:  # loaded when a command runs (see peerbench.cli.constants)
    import pyarrow as pa

    from peerbench.intake.pseudonymise import Screened


def _renames(table: pa.Table, columns: tuple[str, ...], names: tuple[str, ...]) -> dict[str, str]:
    if len(names) > len(columns):
        raise click.UsageError("give --as at most once per --column")
    from peerbench.intake.pseudonymise import ColumnNotFoundError, find_column, key_name_for

    try:
        # Headers compared as every command compares them: "Client ID" finds "Client ID ".
        found = [find_column(table, c) for c in columns]
    except ColumnNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc
    available = table.column_names
    defaults = [key_name_for(found[0])] + [f"{c}_key" for c in found[1:]]
    renames = dict(zip(found, [*names, *defaults[len(names) :]], strict=True))
    targets = list(renames.values())
    clashes = [t for t in targets if targets.count(t) > 1 or (t in available and t not in renames)]
    if clashes:
        raise click.UsageError(
            f"output column {clashes[0]} would clash with another column; choose a name with --as"
        )
    return renames


def _report_screening(screened: Screened) -> None:
    for column, why in screened.dropped.items():
        warn(f"Column {column!r} was left out: {why} (a direct identifier is never kept).")
    if screened.skipped.summary:
        shown = ", ".join(repr(t) for t in screened.summary_text[:5])
        warn(
            f"{len(screened.skipped.summary):,} total or summary row(s) were left out "
            f"({shown}): they are not participants."
        )
    if screened.skipped.blank:
        warn(f"{len(screened.skipped.blank):,} blank row(s) were left out.")


# Commands --------------------------------------------------------------------------------


@click.command()
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Key file."
)
def keygen(out: Path) -> None:
    """Make a new secret key for pseudonymising participant ids.

    Make one key per organisation, once, and keep it: the same key always gives the
    same pseudonyms, so follow-up data can be linked to earlier submissions.

    \b
    Example:
        peerbench keygen --out our-secret.key
    """
    from peerbench.schema.pseudonym import format_key_file, new_secret

    try:
        # O_EXCL: never replace an existing key, whose loss would orphan every pseudonym.
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise click.ClickException(
            f"{out} already exists; refusing to overwrite a key (existing pseudonyms depend "
            "on it). Choose another file name."
        ) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(format_key_file(new_secret()))
        handle.flush()
        os.fsync(handle.fileno())
    echo_err(f"Key written to {out}")
    warn(
        "Keep this key secret and safe. Never send it to anyone, never submit it with your "
        "data, and back it up: without it you cannot make the same pseudonyms again."
    )


@click.command()
@click.argument(
    "input_path", metavar="IN", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="Key made by `peerbench keygen`.",
)
@click.option(
    "--column", "columns", multiple=True, required=True, help="Column of local ids (repeatable)."
)
@click.option(
    "--as",
    "names",
    multiple=True,
    help="Name of the pseudonym column, one per --column (default: "
    f"{ID_COLUMN} for the first, or worker_key when its header names staff or volunteers; "
    "<column>_key for others).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Output file (.csv, .xlsx or .parquet).",
)
@click.option("--sheet", help="Sheet of an .xlsx input (default: the first data sheet).")
@click.option(
    "--keep-original", is_flag=True, help="Keep the original id columns too (never submit them)."
)
def pseudonymise(
    input_path: Path,
    key_file: Path,
    columns: tuple[str, ...],
    names: tuple[str, ...],
    out: Path,
    sheet: str | None,
    keep_original: bool,
) -> None:
    """Replace local participant or peer-worker ids with pseudonymous keys.

    IN is a CSV, Excel (.xlsx) or Parquet file. Each --column (matched ignoring
    case and extra spaces) is replaced by its keyed pseudonym; empty ids stay empty.
    A staff or volunteer id column ("Staff ID", "Volunteer no") becomes worker_key,
    made exactly as participant keys are, with the same key file; a referral's person
    id becomes participant_key, so it matches the participant's.
    The original column is dropped unless --keep-original is given. Columns holding
    direct identifiers (names, dates of birth, contact details, NHS numbers) are
    dropped and listed; blank rows and total/summary rows are left out.

    \b
    Example:
        peerbench pseudonymise clients.csv --key-file our-secret.key \\
            --column client_id --out participants.csv
    """
    from peerbench.intake.pseudonymise import (
        SUFFIXES,
        LocalTableError,
        UnknownSheetError,
        pseudonymise_table,
        read_table,
        screen_table,
        write_table,
    )
    from peerbench.schema.pseudonym import read_key_file

    for path in (input_path, out):
        if path.suffix.lower() not in SUFFIXES:
            raise click.BadParameter(
                f"{path.name}: use a .csv, .xlsx or .parquet file", param_hint="IN/--out"
            )
    if out.resolve() == input_path.resolve():
        raise click.UsageError("--out must differ from IN, so the original file is kept")
    try:
        secret = read_key_file(key_file)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--key-file") from exc
    notes: list[str] = []
    try:
        table, sheet_name = read_table(input_path, sheet, notes, id_column=columns[0])
    except UnknownSheetError as exc:
        raise click.UsageError(str(exc)) from exc
    except LocalTableError as exc:
        raise click.ClickException(str(exc)) from exc
    for note in notes:
        warn(note)
    renames = _renames(table, columns, names)
    screened = screen_table(table, list(renames))
    _report_screening(screened)
    result = pseudonymise_table(screened.table, renames, secret, keep_original=keep_original)
    write_table(result, out, sheet_name)
    echo_err(f"{result.num_rows:,} rows pseudonymised into {out}")
    if keep_original:
        warn(
            f"{out} still holds the original ids ({', '.join(columns)}). It is for your own "
            "records only: never submit or share it."
        )
