"""Parquet files: typed columns, streamed by row group, version read from the metadata.

Columns keep their Parquet types (the standard's canonical schema is typed); only the
headers are renamed through a mapping. Without a mapping every row is also checked
exactly against the JSON Schema, as the JSON record it stands for
(:mod:`peerbench.validators.readers.strict`). Row numbers follow the other formats: the
first row is row 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from peerbench.schema.version import PARQUET_RECORD_TYPE_KEY, PARQUET_VERSION_KEY
from peerbench.validators.limits import Limits, limit_finding
from peerbench.validators.readers.cells import rebatch
from peerbench.validators.readers.detect import record_type_from_name, unknown_name_detail
from peerbench.validators.readers.sources import (
    OpenOptions,
    add_finding,
    failed_source,
    finding,
    new_source,
    no_records,
    resolve_record_type,
)
from peerbench.validators.readers.strict import checked_batches, is_strict
from peerbench.validators.readers.version import version_finding
from peerbench.validators.report import Finding
from peerbench.validators.source import Source

FORMAT = "parquet"
SAMPLE_ROWS = 4096
MAX_DISTINCT_SHARE = 0.5
"""Text columns with at most this share of distinct values among the first
:data:`SAMPLE_ROWS` rows (codes, service ids, participant keys) are read
dictionary-encoded: the engine then checks each distinct value once, and Arrow skips
materialising the repeated strings. Mostly unique columns (record ids) are read plain."""


def open_parquet(path: Path, file: str, options: OpenOptions) -> Source:
    """Open a Parquet file, reading only its footer.

    Args:
        path: The file.
        file: Name to show the user.
        options: The caller's options.
    """
    try:
        with pq.ParquetFile(path) as parquet:
            schema = parquet.schema_arrow
            num_rows = parquet.metadata.num_rows
            over = footer_limit_problem(parquet.metadata, file, options.limits)
            repetitive = [] if over is not None else repetitive_text(parquet)
    # A truncated or foreign file fails inside Arrow's C++ layer with various error
    # types; the contract is a finding, never a traceback.
    except Exception as exc:
        detail = f"it is not a valid Parquet file ({_first_line(exc)})"
        unreadable = finding("file-unreadable", file=file, detail=detail)
        return failed_source(file, options.record_type, FORMAT, unreadable)

    if over is not None:
        return failed_source(file, options.record_type, FORMAT, over)
    metadata = schema.metadata or {}
    declared = metadata.get(PARQUET_VERSION_KEY)
    version = options.standard_version if declared is None else declared.decode(errors="replace")
    named = record_type_from_name(path.stem)
    if named is None and PARQUET_RECORD_TYPE_KEY in metadata:
        named = record_type_from_name(metadata[PARQUET_RECORD_TYPE_KEY].decode(errors="replace"))
    record_type = resolve_record_type(named, options)

    source = new_source(
        file, record_type, FORMAT, list(schema.names), options, standard_version=version
    )
    if record_type is None:
        detail = unknown_name_detail(path.stem, "file")
        source.findings.append(finding("record-type-unknown", file=file, detail=detail))
        return source
    unsupported = version_finding(version, file)
    if unsupported is not None:
        source.findings.append(unsupported)
        return source
    if num_rows == 0:
        source.findings.append(no_records(file, record_type, "no rows"))
        return source
    batches = _record_batches(path, source, options.batch_rows, repetitive)
    if is_strict(source, options):
        batches = checked_batches(batches, source)
    source.batches = rebatch(
        batches,
        source.columns,
        options.batch_rows,
    )
    return source


def footer_limit_problem(metadata: pq.FileMetaData, file: str, limits: Limits) -> Finding | None:
    """The first limit the footer shows the file to be over, before any page is read."""
    if metadata.num_rows > limits.max_rows:
        found = f"its footer declares {metadata.num_rows:,} rows"
        return limit_finding(file, "max_rows", limits.max_rows, found)
    if metadata.num_columns > limits.max_columns:
        found = f"its footer declares {metadata.num_columns:,} columns"
        return limit_finding(file, "max_columns", limits.max_columns, found)
    expanded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if expanded > limits.max_decompressed_bytes:
        found = f"its pages expand to {expanded:,} bytes once decompressed"
        return limit_finding(file, "max_decompressed_bytes", limits.max_decompressed_bytes, found)
    return None


def repetitive_text(parquet: pq.ParquetFile) -> list[str]:
    """Text columns whose first rows repeat values (see :data:`MAX_DISTINCT_SHARE`)."""
    schema = parquet.schema_arrow
    text = [
        f.name for f in schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)
    ]
    if not text or parquet.metadata.num_rows == 0:
        return []
    try:
        sample = next(parquet.iter_batches(batch_size=SAMPLE_ROWS, columns=text), None)
    except Exception:  # damage is reported when the batches are read
        return []
    if sample is None or sample.num_rows == 0:
        return []
    limit = MAX_DISTINCT_SHARE * sample.num_rows
    return [
        name
        for name, column in zip(sample.schema.names, sample.columns, strict=True)
        if pc.count_distinct(column, mode="all").as_py() <= limit
    ]


def _record_batches(
    path: Path, source: Source, batch_rows: int, dictionary: list[str]
) -> Iterator[pa.RecordBatch]:
    """Row groups as record batches; damage found part-way becomes a finding on ``source``.

    Columns in ``dictionary`` are read dictionary-encoded, as they are stored.
    """
    try:
        with pq.ParquetFile(path, read_dictionary=dictionary) as parquet:
            yield from parquet.iter_batches(batch_size=max(1, batch_rows))
    except Exception as exc:  # corrupt pages surface only when read (see open_parquet)
        detail = f"the file is damaged ({_first_line(exc)})"
        add_finding(source, finding("file-unreadable", file=source.file, detail=detail))


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
