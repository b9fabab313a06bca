"""Readers: turn any accepted file into :class:`~peerbench.validators.source.Source` objects.

The contract is that bad input never raises: an unreadable, empty or unrecognised file
becomes a :class:`Source` carrying findings (and no batches if nothing could be read).
Problems met while streaming (a ragged CSV row, a bad JSON line, a formula cell) are
appended to ``Source.findings`` as the batches are consumed, so read the findings
after exhausting ``Source.batches``.

Example:
    >>> for source in open_sources(Path("export/")):  # doctest: +SKIP
    ...     for batch in source.batches:
    ...         check(batch.table, first_row=batch.first_row)
    ...     report.extend(source.findings)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from peerbench.schema.record_table import RECORDS
from peerbench.validators.limits import DEFAULT_LIMITS, Limits, guarded
from peerbench.validators.readers.csv import open_csv
from peerbench.validators.readers.jsonl import open_json, open_jsonl
from peerbench.validators.readers.parquet import open_parquet
from peerbench.validators.readers.sources import OpenOptions, failed_source, finding
from peerbench.validators.readers.version import MANIFEST_NAME, NOT_DATA, read_manifest
from peerbench.validators.record_names import canonical_record_type
from peerbench.validators.source import Source

if TYPE_CHECKING:  # a mapping file's model (pydantic) loads only with a mapping
    from peerbench.validators.mapping import Mapping

__all__ = ["DEFAULT_BATCH_ROWS", "FORMATS", "open_sources"]

DEFAULT_BATCH_ROWS = 262_144

FORMATS = {
    ".csv": "csv",
    ".xlsx": "xlsx",
    ".xlsm": "xlsx",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
}
"""File suffixes read, and the format each is read as."""

_UNSUPPORTED = {
    ".xls": "old Excel (.xls) files cannot be read; save it as .xlsx",
    ".ods": "OpenDocument spreadsheets cannot be read; save it as .xlsx or CSV",
    ".numbers": "Numbers files cannot be read; export it as .xlsx or CSV",
    ".tsv": "tab-separated .tsv files are not accepted; save it as CSV",
    ".txt": ".txt files are not accepted; save it as CSV",
}
"""Suffixes that look like data but are not accepted: reported, with what to do."""


def open_sources(
    path: Path,
    *,
    record_type: str | None = None,
    mapping: Mapping | None = None,
    batch_rows: int = DEFAULT_BATCH_ROWS,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Source]:
    """Open a data file, or every data file in a folder, as sources to validate.

    One source per file, per record sheet of a workbook, or per array of a JSON bundle.
    Nothing is read beyond headers and first batches until ``Source.batches`` is used.

    Args:
        path: A file, or a folder whose data files (by suffix, see :data:`FORMATS`) are
            opened in name order. A ``peerbench.json`` beside them declares their
            standard version.
        record_type: Record type for every source, overriding file and sheet names
            (``outcomes`` or ``outcome``).
        mapping: Header renames to apply (to sources of the mapping's record type, or
            to all if it names none). Its ``record_type`` is used for files whose name
            is not a record type.
        batch_rows: Rows per batch.
        limits: Resource limits (see :mod:`peerbench.validators.limits`); a file over
            one gets a ``limit-exceeded`` finding and is not read further.

    Returns:
        The sources, in file order. ``Source.record_type`` is the singular record type
        (``outcome``), or None when unknown (then a ``record-type-unknown`` finding is
        present and there are no batches).

    Raises:
        FileNotFoundError: ``path`` does not exist.
        ValueError: ``record_type`` is not a record type, or ``batch_rows`` < 1.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file or folder: {path}")
    override = None
    if record_type is not None:
        override = canonical_record_type(record_type)
        if override is None:
            names = ", ".join(model.file_stem for model in RECORDS.values())
            raise ValueError(f"unknown record type '{record_type}'; use one of: {names}")
    if batch_rows < 1:
        raise ValueError(f"batch_rows must be at least 1, not {batch_rows}")

    folder = path if path.is_dir() else path.parent
    version, manifest_problem = read_manifest(folder)
    options = OpenOptions(override, mapping, batch_rows, version, limits)
    sources = []
    if manifest_problem is not None:
        sources.append(failed_source(str(folder / MANIFEST_NAME), None, "json", manifest_problem))
    for file in _data_files(path) if path.is_dir() else [path]:
        sources.extend(guarded(_unique_columns(s), limits) for s in _open_file(file, options))
    return sources


def _unique_columns(source: Source) -> Source:
    """``source``, or when a column name repeats, a source with no rows saying so.

    Two columns with one name cannot be told apart (which one holds the value?), so such
    a file is reported, not guessed at. Names are compared after mapping and trimming.
    """
    counts = Counter(source.columns)
    repeated = [name for name, count in counts.items() if count > 1]
    if not repeated:
        return source
    found = [
        finding(
            "column-duplicate",
            file=source.file,
            column=name,
            detail=f" ({counts[name]} times)",
        )
        for name in repeated
    ]
    close = getattr(source.batches, "close", None)
    if close is not None:
        close()
    failed = failed_source(source.file, source.record_type, source.file_format, *found)
    failed.findings[:0] = source.findings
    failed.encoding, failed.standard_version = source.encoding, source.standard_version
    # Each name once, so only columns really absent are reported missing.
    failed.columns = list(dict.fromkeys(source.columns))
    failed.original_columns = list(dict.fromkeys(source.original_columns))
    return failed


def _data_files(folder: Path) -> list[Path]:
    """Data files in ``folder``: known suffixes, without the manifest, hidden or lock files."""
    return sorted(
        child
        for child in folder.iterdir()
        if child.is_file()
        and (child.suffix.lower() in FORMATS or child.suffix.lower() in _UNSUPPORTED)
        and child.name not in NOT_DATA
        and not child.name.startswith((".", "~$"))
    )


def _open_file(path: Path, options: OpenOptions) -> list[Source]:
    file = str(path)
    suffix = path.suffix.lower()
    file_format = FORMATS.get(suffix)
    try:
        if file_format == "csv":
            return [open_csv(path, file, options)]
        if file_format == "xlsx":
            # openpyxl takes a tenth of a second to import: only workbooks pay for it.
            from peerbench.validators.readers.xlsx import open_xlsx

            return open_xlsx(path, file, options)
        if file_format == "jsonl":
            return [open_jsonl(path, file, options)]
        if file_format == "json":
            return open_json(path, file, options)
        if file_format == "parquet":
            return [open_parquet(path, file, options)]
    except OSError as exc:  # permissions, a file vanishing mid-read: the disk, not the data
        detail = f"{exc.strerror or exc}"
        unreadable = finding("file-unreadable", file=file, detail=detail)
        return [failed_source(file, options.record_type, file_format or "", unreadable)]
    detail = _UNSUPPORTED.get(
        suffix,
        f"files ending '{path.suffix}' are not accepted; use "
        + ", ".join(sorted(set(FORMATS) - {".xlsm", ".ndjson"})),
    )
    unreadable = finding("file-unreadable", file=file, detail=detail)
    return [failed_source(file, options.record_type, suffix.lstrip("."), unreadable)]
