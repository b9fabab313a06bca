"""CSV files: streamed in blocks with every column read as text.

Columns are never type-inferred (``007`` must stay ``007``); empty cells are null (see
:mod:`peerbench.validators.readers.cells`). Multi-line quoted cells are allowed, as
Excel writes them, and count as one spreadsheet row. A row of empty cells (``,,,,``, how
Excel saves a blank row) is left out with one warning and the rows after it keep their
numbers (:mod:`.blank_rows`). A line with no characters at all is skipped by the parser
itself, so the rows after such a line are numbered as if it were not there.
"""

from __future__ import annotations

import atexit
import csv
import io
import itertools
import weakref
from collections.abc import Callable, Generator, Iterator
from contextlib import ExitStack, closing, contextmanager
from pathlib import Path
from typing import Any, BinaryIO, TextIO

import pyarrow as pa
import pyarrow.csv as pacsv

from peerbench.validators.readers.blank_rows import BlankRows, without_blank_rows
from peerbench.validators.readers.cells import rebatch_runs
from peerbench.validators.readers.detect import (
    SNIFF_BYTES,
    TextEncoding,
    binary_reason,
    detect_encoding,
    record_type_from_name,
    sniff_delimiter,
    unknown_name_detail,
)
from peerbench.validators.readers.sources import (
    OpenOptions,
    add_finding,
    failed_source,
    finding,
    new_source,
    no_records,
    resolve_record_type,
)
from peerbench.validators.readers.transcode import TranscodingReader, decode_cp1252
from peerbench.validators.readers.version import version_finding
from peerbench.validators.report import Finding
from peerbench.validators.source import Source, SourceBatch

FORMAT = "csv"
BLOCK_BYTES = 256 * 1024
"""Bytes parsed at a time. Arrow reads a fixed number of blocks ahead, so memory is
about 40 blocks plus one batch, whatever the file size; 256 KiB keeps that near 10 MB
at no cost in speed. One row (with its multi-line cells) must fit in a block."""

_PARSE_ERRORS = (pa.ArrowInvalid, OSError, UnicodeDecodeError)

_OPEN_STREAMS: weakref.WeakSet[Generator[pa.RecordBatch, None, None]] = weakref.WeakSet()
"""Batch streams started but not finished, each holding an Arrow reader over a Python file."""


@atexit.register
def _close_open_streams() -> None:
    # Arrow aborts the interpreter ("PyGILState_Release ... finalizing") when a CSV
    # reader over a Python file object is destroyed during shutdown, which happens
    # whenever a caller stops part-way through a file. Closing them first avoids it.
    for stream in list(_OPEN_STREAMS):
        stream.close()


def open_csv(path: Path, file: str, options: OpenOptions) -> Source:
    """Open a CSV file as a :class:`Source` without reading more than its first block.

    Args:
        path: The file.
        file: Name to show the user.
        options: The caller's options.
    """
    record_type = resolve_record_type(record_type_from_name(path.stem), options)
    with open(path, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        empty = finding("file-empty", file=file, detail=" (the file is empty)")
        return failed_source(file, record_type, FORMAT, empty)
    reason = binary_reason(head)
    if reason is not None:
        unreadable = finding("file-unreadable", file=file, detail=reason)
        return failed_source(file, record_type, FORMAT, unreadable)

    encoding = detect_encoding(path)
    sample = _decode_sample(head, encoding)
    reading = _CsvReading(path, file, encoding, sniff_delimiter(sample))
    header_only = False
    try:
        raw_names = reading.header()
    except _PARSE_ERRORS as exc:
        # Arrow cannot parse a lone header line without a final line break; that is
        # simply a file with no data rows.
        if "Empty CSV file" not in str(exc) or "\n" in sample.strip():
            return failed_source(file, record_type, FORMAT, reading.unreadable(exc))
        raw_names = next(csv.reader([sample.strip()], delimiter=reading.delimiter))
        header_only = True
    names = [name.strip().lstrip("\ufeff") for name in raw_names]
    if not any(names):  # a byte-order mark alone: no header at all
        empty = finding("file-empty", file=file, detail=" (the file is empty)")
        return failed_source(file, record_type, FORMAT, empty)

    source = new_source(
        file,
        record_type,
        FORMAT,
        names,
        options,
        encoding=encoding.label,
        standard_version=options.standard_version,
    )
    if not encoding.is_utf8:
        source.findings.append(finding("encoding-guessed", file=file, detail=encoding.label))
    if record_type is None:
        detail = unknown_name_detail(path.stem, "file")
        source.findings.append(finding("record-type-unknown", file=file, detail=detail))
        return source
    unsupported = version_finding(options.standard_version, file)
    if unsupported is not None:
        source.findings.append(unsupported)
        return source

    if header_only:
        source.findings.append(no_records(file, record_type, "only a header row"))
        return source
    record_batches = reading.record_batches(
        raw_names, lambda exc: add_finding(source, reading.unreadable(exc))
    )
    _OPEN_STREAMS.add(record_batches)
    blanks = BlankRows()
    runs = without_blank_rows(record_batches, blanks)
    stream = _reporting_blanks(
        rebatch_runs(runs, source.columns, options.batch_rows), blanks, source
    )
    # Read the first batch now: a header-only file or a broken first block is reported
    # when the file is opened, not half-way through validation.
    first = next(stream, None)
    if first is None:
        if not any(f.code == "file-unreadable" for f in source.findings):
            source.findings.append(no_records(file, record_type, "only a header row"))
        return source
    source.batches = itertools.chain([first], stream)
    return source


def _decode_sample(head: bytes, encoding: TextEncoding) -> str:
    if encoding.name == "cp1252":
        return decode_cp1252(head)
    return head.decode(encoding.name, errors="replace")


def _reporting_blanks(
    stream: Iterator[SourceBatch], blanks: BlankRows, source: Source
) -> Iterator[SourceBatch]:
    """``stream``, then the file's blank-rows warning once every row has been read."""
    yield from stream
    found = blanks.finding(source.file)
    if found is not None:
        add_finding(source, found)


class _CsvReading:
    """The parser settings for one file, and its error reporting."""

    def __init__(self, path: Path, file: str, encoding: TextEncoding, delimiter: str) -> None:
        self.path = path
        self.file = file
        self.encoding = encoding
        self.delimiter = delimiter
        self._bad_row: tuple[int, int] | None = None

    def _input(self) -> io.RawIOBase | BinaryIO | pa.NativeFile:
        # UTF-8 is read by Arrow's own file reader: it never takes the GIL, so batches
        # are checked on other threads while the next blocks are parsed. It reads a
        # bounded number of blocks ahead (a few MB at BLOCK_BYTES), never the file.
        if self.encoding.is_utf8:
            return pa.OSFile(str(self.path), "rb")  # Arrow skips a UTF-8 BOM itself
        return TranscodingReader(open(self.path, "rb"), self.encoding.name)

    @contextmanager
    def _reader(self, column_types: dict[str, Any] | None) -> Iterator[Any]:
        """An Arrow streaming reader over the file, closed with its input on exit."""
        with closing(self._input()) as stream:
            reader = pacsv.open_csv(
                stream,
                read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
                parse_options=pacsv.ParseOptions(
                    delimiter=self.delimiter,
                    newlines_in_values=True,
                    invalid_row_handler=self._on_invalid_row,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=column_types or {},
                    # Only a cell with no characters is empty; "NA", "null" are data.
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
            try:
                yield reader
            finally:
                reader.close()

    def _on_invalid_row(self, row: Any) -> str:
        self._bad_row = (int(row.expected_columns), int(row.actual_columns))
        return "error"

    def header(self) -> list[str]:
        """The header names exactly as written (read with a throwaway, inferring reader)."""
        with self._reader(None) as reader:
            return list(reader.schema.names)

    def record_batches(
        self, raw_names: list[str], on_error: Callable[[BaseException], None]
    ) -> Generator[pa.RecordBatch, None, None]:
        """All rows as string batches; a parse error ends the stream via ``on_error``."""
        with ExitStack() as stack:
            try:
                reader = stack.enter_context(self._reader(dict.fromkeys(raw_names, pa.string())))
            except _PARSE_ERRORS as exc:
                on_error(exc)
                return
            while True:
                try:
                    batch = reader.read_next_batch()
                except StopIteration:
                    return
                except _PARSE_ERRORS as exc:
                    on_error(exc)
                    return
                yield batch

    def unreadable(self, exc: BaseException) -> Finding:
        """The ``file-unreadable`` finding for a parse error, with its row if it can be found."""
        if self._bad_row is None:
            return finding("file-unreadable", file=self.file, detail=_arrow_message(exc))
        expected, actual = self._bad_row
        row = self._locate_ragged_row(expected)
        where = "a row" if row is None else f"row {row}"
        detail = f"{where} has {actual} cells but the header has {expected}"
        return finding("file-unreadable", file=self.file, row=row, detail=detail)

    def _locate_ragged_row(self, expected: int) -> int | None:
        """The spreadsheet row of the first row with the wrong number of cells.

        Arrow cannot say where the bad row is once quoted cells may hold line breaks, so
        the file is scanned again, only on this error path, with the standard library.
        """
        with self._text() as text:
            rows = (cells for cells in csv.reader(text, delimiter=self.delimiter) if cells)
            try:
                for number, cells in enumerate(rows, start=1):
                    if len(cells) != expected:
                        return number
            except csv.Error:
                return None  # e.g. a cell over the csv module's size limit: no row, still reported
        return None

    def _text(self) -> TextIO:
        if self.encoding.is_utf8:
            return open(self.path, encoding="utf-8-sig", newline="")
        return io.TextIOWrapper(self._input_bytes(), encoding="utf-8", newline="")

    def _input_bytes(self) -> io.BufferedReader:
        raw = TranscodingReader(open(self.path, "rb"), self.encoding.name)  # noqa: SIM115
        return io.BufferedReader(raw)


def _arrow_message(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return text.removeprefix("CSV parse error: ")
