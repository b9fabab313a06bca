"""The pool as it was submitted: what re-checking the pool sees.

The pooled store keeps every current file with the server's bookkeeping columns
(:data:`~peerbench.server.store.LINEAGE_FIELDS`: ``_submission_id``,
``_organisation_id``, ``_period``, ``_standard_version``) and one file per organisation,
period and record type, so a record sent again in a later period (a cumulative
spreadsheet) is stored twice. Re-checking the pool (the quality report) must see only
what the organisations submitted, as the standard defines it (SPEC "Submissions and
periods"):

* one row per record identity (the record type's primary key): the copy from the latest
  period (:func:`peerbench.aggregate.lineage.latest_rows`);
* none of the bookkeeping columns, so findings never depend on the ids the server drew
  (a submission id whose digits pass the NHS-number checksum is not a personal
  identifier of anyone) nor on where the pool is kept (local folder or object store).
"""

from __future__ import annotations

import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow as pa
from sqlalchemy.orm import Session

from peerbench.aggregate.lineage import LINEAGE_COLUMNS
from peerbench.io.parquet_layout import write_parquet
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.records import RECORD_TYPES
from peerbench.server.store import PooledStore


def latest_table(
    store: PooledStore,
    session: Session,
    record_type: str,
    organisation_ids: Collection[str] | None = None,
) -> pa.Table:
    """The current rows of ``record_type``, one per record identity, lineage kept.

    Args:
        store: The pooled store.
        session: An open session.
        record_type: e.g. ``"outcome"``.
        organisation_ids: Only these organisations; ``None`` for all, empty for none.
    """
    # Read from the snapshot segments' reduced forms where they have them (each record
    # once per organisation), not every cumulative copy: the same rows as latest_rows.
    return store.current_read(session, record_type, organisation_ids).latest()


def submitted_table(
    store: PooledStore,
    session: Session,
    record_type: str,
    organisation_ids: Collection[str] | None = None,
) -> pa.Table:
    """:func:`latest_table` without the bookkeeping columns: the standard's columns only."""
    table = latest_table(store, session, record_type, organisation_ids)
    table = table.drop_columns([c for c in LINEAGE_COLUMNS if c in table.column_names])
    return table.replace_schema_metadata(arrow_schema(record_type).metadata)


@contextmanager
def submitted_files(
    store: PooledStore, session: Session, organisation_ids: Collection[str] | None = None
) -> Iterator[list[Path]]:
    """The pool as standard files (``outcomes.parquet``, …) in a temporary folder.

    One file per record type that has rows (:func:`submitted_table`), named as the
    standard names it, so a validator run over them reports what was submitted, the
    same for a local and an object-store pool. The folder is removed after the block.

    Args:
        store: The pooled store.
        session: An open session.
        organisation_ids: Only these organisations; ``None`` for all, empty for none.
    """
    with tempfile.TemporaryDirectory(prefix="peerbench-pool-") as folder:
        files: list[Path] = []
        for record_type, spec in RECORD_TYPES.items():
            table = submitted_table(store, session, record_type, organisation_ids)
            if table.num_rows == 0:
                continue
            path = Path(folder, f"{spec.file_stem}.parquet")
            write_parquet(table, path)
            files.append(path)
        yield files
