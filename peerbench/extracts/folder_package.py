"""``datapackage.json`` for a folder of standard files (what ``synth`` and ``prepare`` write).

The folder's data files (CSV, Parquet or JSON Lines, named by record type) become the resources
of a Frictionless Tabular Data Package, each with the Table Schema of
:func:`peerbench.extracts.datapackage.table_schema` for the columns the file really
has, so ``frictionless validate datapackage.json`` checks the data against the
standard. The readers skip the file (:data:`peerbench.validators.readers.version.
DESCRIPTOR_NAME`): it describes the data, it is not data.

An outcomes file that holds peer workers' own questionnaires (``subject = peer_worker``,
standard 1.2) declares no foreign key to participants: those rows reference
``peer_workers`` instead, a condition a Table Schema cannot state; ``peerbench
validate`` checks both references.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from peerbench.aggregate.subjects import WORKER
from peerbench.extracts.datapackage import (
    CSV_DIALECT,
    PROFILE,
    RESOURCE_PROFILE,
    resource_name,
    table_schema,
)
from peerbench.io.atomic import atomic_path
from peerbench.schema.introspect import field_specs
from peerbench.schema.records import RECORD_TYPES
from peerbench.schema.version import STANDARD_VERSION
from peerbench.validators.readers.version import DESCRIPTOR_NAME

FORMATS = {
    ".csv": ("csv", "text/csv"),
    ".parquet": ("parquet", "application/vnd.apache.parquet"),
    ".jsonl": ("jsonl", "application/jsonl"),
}
"""Suffix → (Frictionless format, media type) of the files a folder package describes."""


def _columns(record_type: str, path: Path) -> list[str]:
    if path.suffix == ".parquet":
        return list(pq.read_schema(path).names)
    if path.suffix == ".jsonl":  # a record leaves out its empty fields: every field
        return [spec.name for spec in field_specs(RECORD_TYPES[record_type])]
    with pacsv.open_csv(path) as reader:
        return list(reader.schema.names)


def _holds_worker_rows(path: Path, columns: list[str]) -> bool:
    """Whether an outcomes file has a row with ``subject = peer_worker`` (reads that column)."""
    if "subject" not in columns and path.suffix != ".jsonl":
        return False
    if path.suffix == ".parquet":
        subject = pq.read_table(path, columns=["subject"]).column("subject")
    elif path.suffix == ".csv":
        options = pacsv.ConvertOptions(include_columns=["subject"])
        subject = pacsv.read_csv(path, convert_options=options).column("subject")
    else:
        with path.open(encoding="utf-8") as handle:
            return any('"peer_worker"' in line for line in handle)
    return bool(pc.any(pc.equal(subject.cast("string"), WORKER)).as_py())


def _resource(record_type: str, path: Path, names: list[str]) -> dict[str, Any]:
    flat = path.suffix == ".csv"
    parquet = path.suffix == ".parquet"
    file_format, mediatype = FORMATS[path.suffix]
    columns = _columns(record_type, path)
    schema = table_schema(record_type, columns, flat=flat, parquet=parquet, resources=names)
    if record_type == "outcome" and _holds_worker_rows(path, columns):
        participants = resource_name("participant", flat=True)
        kept = [
            key
            for key in schema.get("foreignKeys", [])
            if key["reference"]["resource"].removesuffix("-parquet") != participants
        ]
        schema["foreignKeys"] = kept
        if not kept:
            del schema["foreignKeys"]
    for key in schema.get("foreignKeys", []):  # one format per folder: plain stems
        target = key["reference"]["resource"].removesuffix("-parquet")
        key["reference"]["resource"] = target
    described: dict[str, Any] = {
        "profile": RESOURCE_PROFILE,
        "name": resource_name(record_type, flat=True),
        "path": path.name,
        "title": f"{record_type} records",
        "description": RECORD_TYPES[record_type].summary,
        "format": file_format,
        "mediatype": mediatype,
        "schema": schema,
    }
    if flat:
        described["encoding"] = "utf-8"
        described["dialect"] = dict(CSV_DIALECT)
    elif not parquet:  # JSON Lines: one object per line, named fields
        described["encoding"] = "utf-8"
        described["dialect"] = {"json": {"keys": columns}}
    return described


def folder_descriptor(
    files: Mapping[str, Path], *, name: str, title: str, description: str
) -> dict[str, Any]:
    """The descriptor of a folder's standard files.

    Args:
        files: Record type → its written file (CSV, Parquet or JSON Lines).
        name: The package name (lower case, digits, ``-._/``).
        title: A one-line title.
        description: What the folder is.
    """
    described = {rt: Path(p) for rt, p in files.items() if Path(p).suffix in FORMATS}
    names = [resource_name(rt, flat=p.suffix == ".csv") for rt, p in described.items()]
    resources = [_resource(rt, path, names) for rt, path in described.items()]
    return {
        "profile": PROFILE,
        "name": re.sub(r"[^a-z0-9._/-]+", "-", name.lower()),
        "title": title,
        "description": description,
        "keywords": ["peer support", "outcomes", "peerbench"],
        "x-standard-version": STANDARD_VERSION,
        "resources": resources,
    }


def write_folder_package(
    folder: Path, files: Mapping[str, Path], *, name: str, title: str, description: str
) -> Path:
    """Write ``folder/datapackage.json`` describing ``files`` (atomically); returns its path."""
    package = folder_descriptor(files, name=name, title=title, description=description)
    path = folder / DESCRIPTOR_NAME
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
