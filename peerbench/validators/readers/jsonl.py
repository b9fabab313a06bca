"""JSON Lines and JSON files, read into the same text shape as CSV.

Each record is first checked exactly against the JSON Schema
(:mod:`peerbench.validators.readers.strict`); then values become text as in
:mod:`peerbench.validators.readers.cells`, and the two list
fields are flattened as in CSV (``items`` → ``item_1`` … ``item_N``, ``themes`` →
``a;b``), so the engine sees one shape for every text format.

Row numbers: JSON has no header row, but findings must line up with the other formats
(first record = row 2). A JSON Lines record on line ``n`` is therefore row ``n + 1``;
the record at index ``i`` of a JSON array is row ``i + 2``.

A ``.json`` file is parsed whole (it is one document); large data belongs in JSON
Lines or Parquet, which stream.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from peerbench.io.tabular import ITEM_PREFIX, LIST_SEPARATOR
from peerbench.validators.readers.cells import RowBatcher, cell_text
from peerbench.validators.readers.detect import record_type_from_name, unknown_name_detail
from peerbench.validators.readers.json_limits import JsonLimitError, loads
from peerbench.validators.readers.sources import (
    OpenOptions,
    add_finding,
    failed_source,
    finding,
    map_headers,
    new_source,
    no_records,
    resolve_record_type,
)
from peerbench.validators.readers.strict import check_record, is_strict
from peerbench.validators.readers.transcode import decode_cp1252
from peerbench.validators.readers.version import version_finding
from peerbench.validators.report import Finding
from peerbench.validators.source import Source, SourceBatch

MAX_BAD_LINES = 100
"""After this many unreadable lines the file is clearly not JSON Lines: stop reading."""

_CP1252_LABEL = "Windows-1252"


class _Records:
    """Turns JSON objects into rows of a source, adding columns as new keys appear."""

    def __init__(self, source: Source, options: OpenOptions) -> None:
        self.source = source
        self._mapping = options.mapping
        self._strict = is_strict(source, options)
        self._names: dict[str, str] = {}
        self.batcher = RowBatcher(source.columns, options.batch_rows)
        # The batcher appends to the source's own list, so new keys show in Source.columns.
        self.source.columns = self.batcher.columns
        self._index = {name: i for i, name in enumerate(self.source.columns)}

    def add(self, row: int, record: dict[str, Any]) -> Iterator[SourceBatch]:
        """Add one record as spreadsheet row ``row`` (checked strictly, see ``strict``)."""
        if self._strict:
            check_record(self.source, record, row)
        cells: list[str | None] = [None] * len(self.source.columns)
        for original, name, text in self._flatten(record):
            index = self._index.get(name)
            if index is None:
                index = self.batcher.add_column(name)
                self.source.original_columns.append(original)
                self._index[name] = index
                cells.append(None)
            cells[index] = text
        yield from self.batcher.add(row, cells)

    def _flatten(self, record: dict[str, Any]) -> Iterator[tuple[str, str, str | None]]:
        """``(original key, column, text)`` for each value, lists flattened as in CSV."""
        for key, value in record.items():
            name = self._names.get(key)
            if name is None:
                name = map_headers([key], self.source.record_type, self._mapping)[0]
                self._names[key] = name
            unlisted = value is None or (self._strict and not isinstance(value, list))
            if name == "items" and unlisted:
                # No items (or, read strictly, already reported): an ``items`` column of its
                # own would hide the item_N columns of every other record.
                continue
            if name == "items" and isinstance(value, list):
                for position, item in enumerate(value, start=1):
                    yield (
                        f"{key}[{position}]",
                        f"{ITEM_PREFIX}{position}",
                        cell_text(item, exact=True),
                    )
            elif name == "themes" and isinstance(value, list):
                codes = (cell_text(code, exact=True) or "" for code in value)
                yield key, name, LIST_SEPARATOR.join(codes) or None
            elif isinstance(value, list | dict):
                # Kept as JSON text so the engine can show the user what was there.
                yield key, name, json.dumps(value, ensure_ascii=False)
            else:
                yield key, name, cell_text(value, exact=True)


def _start(source: Source, batches: Iterator[SourceBatch], empty: Finding) -> Source:
    """Read the first batch now, so columns are known and an empty file is reported."""
    first = next(batches, None)
    if first is not None:
        source.batches = itertools.chain([first], batches)
    elif not any(f.code in ("file-unreadable", "limit-exceeded") for f in source.findings):
        # A file of nothing but bad lines is already reported as unreadable, not empty.
        source.findings.append(empty)
    return source


def _checked_source(
    file: str,
    named: tuple[str, str],
    record_type: str | None,
    file_format: str,
    options: OpenOptions,
    version: str | None,
) -> tuple[Source, bool]:
    """A new source and whether it may be read (record type known, version supported).

    ``named`` is what the record type was looked for in: (``file`` or ``array``, name).
    """
    source = new_source(file, record_type, file_format, [], options, standard_version=version)
    if record_type is None:
        kind, name = named
        detail = unknown_name_detail(name, kind)
        source.findings.append(finding("record-type-unknown", file=file, detail=detail))
        return source, False
    unsupported = version_finding(version, file)
    if unsupported is not None:
        source.findings.append(unsupported)
        return source, False
    return source, True


# --- JSON Lines -------------------------------------------------------------------


def open_jsonl(path: Path, file: str, options: OpenOptions) -> Source:
    """Open a JSON Lines file, reading only its first batch.

    Args:
        path: The file.
        file: Name to show the user.
        options: The caller's options.
    """
    record_type = resolve_record_type(record_type_from_name(path.stem), options)
    source, readable = _checked_source(
        file, ("file", path.stem), record_type, "jsonl", options, options.standard_version
    )
    source.encoding = "UTF-8"
    if not readable:
        return source
    records = _Records(source, options)
    batches = _jsonl_batches(path, records, options)
    empty = finding("file-empty", file=file, detail=" (the file is empty)")
    return _start(source, batches, empty)


def _jsonl_batches(path: Path, records: _Records, options: OpenOptions) -> Iterator[SourceBatch]:
    source, limits = records.source, options.limits
    bad_lines = 0
    with open(path, "rb") as handle:
        line_number = 0
        while raw := handle.readline(limits.max_json_bytes + 1):
            line_number += 1
            if len(raw) > limits.max_json_bytes:
                found = f"line {line_number} is longer than {limits.max_json_bytes:,} bytes"
                over = JsonLimitError("max_json_bytes", limits.max_json_bytes, found)
                add_finding(source, over.finding(source.file, row=line_number + 1))
                return
            text = _decode_line(raw.removeprefix(b"\xef\xbb\xbf") if line_number == 1 else raw)
            if text is None:
                text = decode_cp1252(raw)
                _note_cp1252(source)
            if not text.strip():
                continue
            row = line_number + 1
            try:
                record = loads(text, limits)
            except JsonLimitError as exc:
                add_finding(source, exc.finding(source.file, row=row))
                return
            except json.JSONDecodeError as exc:
                problem = f"line {line_number} is not valid JSON ({exc.msg}, column {exc.colno})"
                record = None
            else:
                problem = f"line {line_number} is not a JSON object"
            if not isinstance(record, dict):
                add_finding(
                    source, finding("file-unreadable", file=source.file, row=row, detail=problem)
                )
                bad_lines += 1
                if bad_lines >= MAX_BAD_LINES:
                    detail = f"stopped after {MAX_BAD_LINES} unreadable lines"
                    add_finding(source, finding("file-unreadable", file=source.file, detail=detail))
                    return
                continue
            yield from records.add(row, record)
    yield from records.batcher.flush()


def _decode_line(raw: bytes) -> str | None:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _note_cp1252(source: Source) -> None:
    """Warn once that some text was not UTF-8 (JSON Lines are decoded line by line)."""
    if source.encoding != _CP1252_LABEL:
        source.encoding = _CP1252_LABEL
        add_finding(source, finding("encoding-guessed", file=source.file, detail=_CP1252_LABEL))


# --- JSON ---------------------------------------------------------------------------


def open_json(path: Path, file: str, options: OpenOptions) -> list[Source]:
    """Open a JSON file: an array of records, or a bundle ``{"outcomes": [...], ...}``.

    A bundle gives one source per array, shown as ``file#key``; its own
    ``standard_version`` takes precedence over the folder's manifest.

    Args:
        path: The file.
        file: Name to show the user.
        options: The caller's options.
    """
    named = resolve_record_type(record_type_from_name(path.stem), options)
    limits = options.limits
    if path.stat().st_size > limits.max_json_bytes:
        found = f"it is {path.stat().st_size:,} bytes (a .json file is read whole; use JSON Lines)"
        over = JsonLimitError("max_json_bytes", limits.max_json_bytes, found)
        return [failed_source(file, named, "json", over.finding(file))]
    raw = path.read_bytes()
    encoding_finding = None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = decode_cp1252(raw)
        encoding_finding = finding("encoding-guessed", file=file, detail=_CP1252_LABEL)
    if not text.strip():
        empty = finding("file-empty", file=file, detail=" (the file is empty)")
        return [failed_source(file, named, "json", empty)]
    try:
        data = loads(text, limits)
    except JsonLimitError as exc:
        return [failed_source(file, named, "json", exc.finding(file))]
    except json.JSONDecodeError as exc:
        detail = f"not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno})"
        return [
            failed_source(file, named, "json", finding("file-unreadable", file=file, detail=detail))
        ]
    label = "UTF-8" if encoding_finding is None else _CP1252_LABEL
    if isinstance(data, list):
        sources = [
            _array_source(file, ("file", path.stem), named, data, options, options.standard_version)
        ]
    elif isinstance(data, dict) and _is_bundle(data):
        sources = _bundle_sources(file, data, options)
    else:
        detail = "expected an array of records or an object keyed by record type (outcomes …)"
        return [
            failed_source(file, named, "json", finding("file-unreadable", file=file, detail=detail))
        ]
    for source in sources:
        source.encoding = label
        if encoding_finding is not None:
            source.findings.insert(0, encoding_finding)
    return sources


def _is_bundle(data: dict[str, Any]) -> bool:
    return "standard_version" in data or any(record_type_from_name(key) for key in data)


def _bundle_sources(file: str, data: dict[str, Any], options: OpenOptions) -> list[Source]:
    declared = data.get("standard_version")
    version = options.standard_version if declared is None else str(declared)
    sources = []
    for key, value in data.items():
        named = record_type_from_name(key)
        if not isinstance(value, list) or (
            named is None and not (value and all(isinstance(v, dict) for v in value))
        ):
            continue  # metadata such as the version or a generation date
        record_type = resolve_record_type(named, options)
        where = ("array", key)
        sources.append(_array_source(f"{file}#{key}", where, record_type, value, options, version))
    if not sources:
        detail = "the object holds no arrays of records named after record types (outcomes …)"
        return [
            failed_source(file, None, "json", finding("file-unreadable", file=file, detail=detail))
        ]
    return sources


def _array_source(
    file: str,
    named: tuple[str, str],
    record_type: str | None,
    items: list[Any],
    options: OpenOptions,
    version: str | None,
) -> Source:
    source, readable = _checked_source(file, named, record_type, "json", options, version)
    if not readable:
        return source
    records = _Records(source, options)
    # An empty array names its record type and says it has none: a record type not collected.
    empty = no_records(file, record_type, "the array is empty")
    return _start(source, _array_batches(items, records), empty)


def _array_batches(items: Iterable[Any], records: _Records) -> Iterator[SourceBatch]:
    for index, item in enumerate(items):
        row = index + 2
        if isinstance(item, dict):
            yield from records.add(row, item)
        else:
            detail = f"record {index + 1} of the array is not a JSON object"
            add_finding(
                records.source,
                finding("file-unreadable", file=records.source.file, row=row, detail=detail),
            )
    yield from records.batcher.flush()
