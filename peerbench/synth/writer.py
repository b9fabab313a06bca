"""Write a synthetic dataset to a folder: one file per record type plus manifests.

Files: ``organisations``, ``services``, ``participants``, ``engagements``, ``outcomes``,
``service_use``, ``feedback``, ``peer_workers`` and ``referrals`` in the chosen format (through
:func:`peerbench.io.tabular.write_table`, so CSV flattens items to ``item_1..item_N``),
``peerbench.json`` (standard version, generator and config, row counts, as_of),
``datapackage.json`` (a Frictionless data package describing the CSV or Parquet files,
:mod:`peerbench.extracts.folder_package`) and, when errors were injected,
``injected_errors.csv``.

A record type with no rows (``service_use`` of a single small organisation) is not
written: left out means "none", which ``validate`` accepts in every format, whereas an
empty JSON Lines file has no header to say what it holds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from peerbench.extracts.folder_package import write_folder_package
from peerbench.io.atomic import atomic_path
from peerbench.io.formulas import write_csv
from peerbench.io.tabular import FileFormat, write_table
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import MANIFEST_NAME as MANIFEST_NAME  # re-exported
from peerbench.schema.version import STANDARD_VERSION
from peerbench.synth.generator import SyntheticDataset

ERRORS_NAME = "injected_errors.csv"
GENERATOR = "peerbench.synth"


def file_name(record_type: str, file_format: FileFormat) -> str:
    """The file a record type is written to, e.g. ``outcomes.parquet``."""
    return f"{RECORD_TYPES[record_type].file_stem}.{file_format.value}"


def manifest(dataset: SyntheticDataset, file_format: FileFormat) -> dict[str, Any]:
    """The ``peerbench.json`` document describing a written dataset."""
    config = dataset.config
    return {
        "standard_version": STANDARD_VERSION,
        "generator": {
            "name": GENERATOR,
            "seed": config.seed,
            "config": config.model_dump(mode="json"),
        },
        "as_of": config.as_of.isoformat(),
        "format": file_format.value,
        "files": {
            file_name(rt, file_format): {"record_type": rt, "rows": table.num_rows}
            for rt, table in dataset.tables.items()
            if table.num_rows
        },
        "injected_errors": ERRORS_NAME if dataset.errors.num_rows else None,
    }


def write_dataset(
    dataset: SyntheticDataset, out_dir: Path, file_format: FileFormat = FileFormat.PARQUET
) -> dict[str, Path]:
    """Write every table, ``peerbench.json``, ``datapackage.json`` and any ``injected_errors.csv``.

    Args:
        dataset: The generated dataset.
        out_dir: Folder to write into (created if missing).
        file_format: Parquet, CSV or JSON Lines.

    Returns:
        Written paths keyed by record type (record types without rows are not written),
        plus ``"manifest"``, ``"datapackage"`` and ``"errors"``.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for record_type, table in dataset.tables.items():
        if table.num_rows == 0:
            continue
        path = out_dir / file_name(record_type, file_format)
        write_table(table, path, file_format)
        paths[record_type] = path
    if dataset.errors.num_rows:
        errors = dataset.errors
        names = pa.array(
            [f"{stem}.{file_format.value}" for stem in errors.column("file").to_pylist()],
            pa.string(),
        )
        errors = errors.set_column(0, "file", names)
        path = out_dir / ERRORS_NAME
        with atomic_path(path) as tmp:
            write_csv(errors, tmp)
        paths["errors"] = path
    path = out_dir / MANIFEST_NAME
    with atomic_path(path) as tmp:
        tmp.write_text(
            json.dumps(manifest(dataset, file_format), indent=2) + "\n", encoding="utf-8"
        )
    paths["manifest"] = path
    data = {rt: p for rt, p in paths.items() if rt in RECORD_TYPES}
    config = dataset.config
    paths["datapackage"] = write_folder_package(
        out_dir,
        data,
        name=f"peerbench-synthetic-{config.seed}",
        title=f"peerbench synthetic dataset (seed {config.seed}, as of {config.as_of})",
        description="Synthetic peer-support outcome records in the Peer Support Outcomes "
        f"Standard {STANDARD_VERSION}, made by {GENERATOR}; no real person is in it."
        + (
            f" Errors were injected on purpose: see {ERRORS_NAME}."
            if dataset.errors.num_rows
            else ""
        ),
    )
    return paths
