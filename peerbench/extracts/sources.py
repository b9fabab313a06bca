"""Where an extract's rows come from: the pooled store, a server data folder, or files.

The caller decides the scope (which organisations); these functions only read.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import pyarrow as pa
from sqlalchemy.orm import Session

from peerbench.schema.records import RECORD_TYPES
from peerbench.server.store import PooledStore
from peerbench.validators import validate
from peerbench.validators.render_text import render_text


class SourceError(ValueError):
    """The source cannot give an extract (e.g. its files do not conform)."""


def store_tables(
    store: PooledStore, session: Session, organisation_ids: Collection[str] | None
) -> dict[str, pa.Table]:
    """The current pooled rows of every record type for these organisations.

    Args:
        store: The pooled store.
        session: An open session.
        organisation_ids: Only these organisations (``None``: all; empty: none).
    """
    reads = {rt: store.current_read(session, rt, organisation_ids) for rt in RECORD_TYPES}
    return {rt: read.table() for rt, read in reads.items()}


def is_server_data_dir(path: Path) -> bool:
    """Whether ``path`` looks like a server's data folder (a ``pool/`` store inside)."""
    return (path / "pool").is_dir()


def folder_tables(folder: Path) -> dict[str, pa.Table]:
    """Every record type in a folder of standard files (any accepted format).

    The files are validated first; an extract is never made from data that does not
    conform.

    Raises:
        SourceError: the files have errors (the message is the validation report).
    """
    result = validate([folder], collect=True)
    if not result.report.valid:
        raise SourceError(render_text(result.report).rstrip("\n"))
    return dict(result.tables)
