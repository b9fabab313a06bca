"""Split a multi-organisation dataset into one slice per organisation.

A pool receives data organisation by organisation, each with its own API key, and the
server refuses records of another organisation. The synthetic reference dataset holds
twelve organisations, so demos and tests submit it slice by slice.

Example:
    >>> slices = split_dataset(Path("reference"), Path("by-org"))  # doctest: +SKIP
    >>> sorted(slices)[:1]  # doctest: +SKIP
    ['org-01']
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peerbench.io.atomic import atomic_path
from peerbench.io.tabular import FileFormat, write_table
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION
from peerbench.synth.writer import MANIFEST_NAME, file_name


def split_tables(tables: Mapping[str, pa.Table]) -> dict[str, dict[str, pa.Table]]:
    """Tables keyed by record type → per organisation id, the same tables filtered.

    Organisations and services are filtered on ``organisation_id``; every other record
    type on ``service_id`` belonging to one of the organisation's services.

    Raises:
        ValueError: there is no services table to attribute records to.
    """
    services = tables.get("service")
    if services is None:
        raise ValueError("a services table is needed to tell which records are whose")
    owners = services.column("organisation_id")
    org_ids = sorted(str(o) for o in pc.unique(owners).to_pylist() if o is not None)
    organisations = tables.get("organisation")
    if organisations is not None:
        listed = pc.unique(organisations.column("organisation_id")).to_pylist()
        org_ids = sorted(set(org_ids) | {str(o) for o in listed if o is not None})
    out: dict[str, dict[str, pa.Table]] = {}
    for org_id in org_ids:
        own_services = services.filter(pc.equal(owners, org_id)).column("service_id")
        slice_: dict[str, pa.Table] = {}
        for record_type, table in tables.items():
            if record_type in ("organisation", "service"):
                mask = pc.equal(table.column("organisation_id"), org_id)
            else:
                mask = pc.is_in(table.column("service_id"), value_set=own_services.combine_chunks())
            slice_[record_type] = table.filter(mask)
        out[org_id] = slice_
    return out


def read_dataset(folder: Path) -> dict[str, pa.Table]:
    """The Parquet tables of a dataset folder (as ``peerbench synth`` writes), by type."""
    tables = {}
    for record_type in RECORD_TYPES:
        path = folder / file_name(record_type, FileFormat.PARQUET)
        if path.is_file():
            tables[record_type] = pq.read_table(path)
    if not tables:
        raise FileNotFoundError(f"no Parquet record files in {folder}")
    return tables


def split_dataset(
    folder: Path, out_dir: Path, file_format: FileFormat = FileFormat.PARQUET
) -> dict[str, Path]:
    """Write ``out_dir/<organisation_id>/`` for each organisation of a Parquet dataset.

    Each slice gets its non-empty record files and a ``peerbench.json`` declaring the standard
    version, so it validates (and submits) on its own.

    Args:
        folder: A dataset folder with Parquet record files.
        out_dir: Where the per-organisation folders go (created if missing).
        file_format: Format of the written slices.

    Returns:
        The folder of each organisation, keyed by organisation id.
    """
    slices = split_tables(read_dataset(folder))
    written: dict[str, Path] = {}
    for org_id, tables in slices.items():
        target = out_dir / org_id
        target.mkdir(parents=True, exist_ok=True)
        files = {}
        for record_type, table in tables.items():
            if table.num_rows == 0:
                continue  # an empty file is a validation error; absent means "none"
            name = file_name(record_type, file_format)
            write_table(table, target / name, file_format)
            files[name] = {"record_type": record_type, "rows": table.num_rows}
        manifest = {"standard_version": STANDARD_VERSION, "organisation_id": org_id, "files": files}
        with atomic_path(target / MANIFEST_NAME) as tmp:
            tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        written[org_id] = target
    return written
