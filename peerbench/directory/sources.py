"""The organisations and services a pool knows: from a server's data folder or files.

Only the ``organisation`` and ``service`` record types are read, never participant data.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from peerbench.schema.records import RECORD_TYPES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from peerbench.server.store import PooledStore

DIRECTORY_RECORD_TYPES = ("organisation", "service")
"""The record types a directory is made from."""


class DirectorySourceError(ValueError):
    """The source cannot give a directory (no such files, or they do not conform)."""


def is_server_data_dir(path: Path) -> bool:
    """Whether ``path`` is a server's data folder (a ``pool/`` store inside)."""
    return (path / "pool").is_dir()


def pool_directory_tables(
    store: PooledStore, session: Session, organisation_ids: Collection[str] | None = None
) -> dict[str, pa.Table]:
    """The current ``organisation`` and ``service`` rows of an open pooled store.

    Args:
        store: The pooled store.
        session: An open session (only read).
        organisation_ids: Only these organisations (``None``: all; empty: none).
    """
    reads = {rt: store.current_read(session, rt, organisation_ids) for rt in DIRECTORY_RECORD_TYPES}
    return {rt: read.table() for rt, read in reads.items()}


def store_directory_tables(data_dir: Path) -> dict[str, pa.Table]:
    """The current ``organisation`` and ``service`` rows of a server's data folder."""
    from peerbench.extracts.pool import open_pool

    with open_pool(data_dir) as context, context.db.session() as session:
        return pool_directory_tables(context.store, session)


def directory_files(folder: Path) -> list[Path]:
    """The organisation and service files of a folder (any accepted format).

    Raises:
        DirectorySourceError: when either record type has no file.
    """
    found: list[Path] = []
    for record_type in DIRECTORY_RECORD_TYPES:
        stem = RECORD_TYPES[record_type].file_stem
        files = sorted(
            p for p in folder.glob(f"{stem}.*") if p.suffix in (".parquet", ".csv", ".jsonl")
        )
        if not files:
            raise DirectorySourceError(f"{folder} has no {stem}.parquet, .csv or .jsonl")
        # One format is enough (synth writes the same rows in several).
        found.append(files[-1] if files[-1].suffix == ".parquet" else files[0])
    return found


def folder_directory_tables(folder: Path) -> dict[str, pa.Table]:
    """The organisations and services of a folder of standard files, validated first.

    Raises:
        DirectorySourceError: the folder lacks the files, or they have errors (the
            message is the validation report).
    """
    from peerbench.validators import validate
    from peerbench.validators.render_text import render_text

    result = validate(directory_files(folder), collect=True)
    if not result.report.valid:
        raise DirectorySourceError(render_text(result.report).rstrip("\n"))
    return {rt: result.tables[rt] for rt in DIRECTORY_RECORD_TYPES}


def directory_tables(path: Path) -> dict[str, pa.Table]:
    """Organisations and services of a server data folder or of a folder of files."""
    if not path.is_dir():
        raise DirectorySourceError(f"{path} is not a folder")
    if is_server_data_dir(path):
        return store_directory_tables(path)
    return folder_directory_tables(path)
