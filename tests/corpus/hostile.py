"""Build hostile input files: workbooks written byte by byte, expanding files, bad JSON.

Used by the corpus test (``tests/corpus/test_corpus.py``, for the files too big or too
repetitive to commit) and by ``benchmarks/bench_hostile.py`` (the four costly files of
issue 11). Workbooks are assembled with :mod:`zipfile` rather than openpyxl so they can
hold what no spreadsheet program would write: a gigabyte cell, millions of rows or
shared strings, entity declarations, a truncated archive.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from xml.sax.saxutils import escape

import pyarrow as pa
import pyarrow.parquet as pq

_OOXML = "http://schemas.openxmlformats.org"
_PKG = f"{_OOXML}/package/2006"
_DOC_RELS = f"{_OOXML}/officeDocument/2006/relationships"
_MAIN_NS = f"{_OOXML}/spreadsheetml/2006/main"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    f'<Override PartName="/xl/workbook.xml" ContentType="{_SHEET_TYPE}.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    f'ContentType="{_SHEET_TYPE}.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    f'ContentType="{_SHEET_TYPE}.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>"
)
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CHUNK = 1 << 20
_SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<worksheet xmlns="{_MAIN_NS}"><sheetData>'
)


def _workbook_xml(sheet: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><sheets>'
        f'<sheet name="{escape(sheet)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _cell(column: int, row: int, value: str | int) -> str:
    ref = f"{_column(column)}{row}"
    if isinstance(value, int):
        return f'<c r="{ref}" t="s"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def sheet_rows(rows: Iterable[Iterable[str | int]]) -> Iterator[str]:
    """Sheet XML for rows of cells: ``str`` inline text, ``int`` a shared-string index."""
    yield _SHEET_START
    for number, cells in enumerate(rows, start=1):
        body = "".join(_cell(i, number, value) for i, value in enumerate(cells))
        yield f'<row r="{number}">{body}</row>'
    yield "</sheetData></worksheet>"


def shared_strings(strings: Iterable[str], count: int) -> Iterator[str]:
    """Shared-strings XML declaring ``count`` strings."""
    yield (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<sst xmlns="{_MAIN_NS}" count="{count}" uniqueCount="{count}">'
    )
    for text in strings:
        yield f"<si><t>{escape(text)}</t></si>"
    yield "</sst>"


def _write_member(archive: zipfile.ZipFile, name: str, parts: Iterable[str | bytes]) -> None:
    info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with archive.open(info, "w", force_zip64=True) as member:
        buffer: list[bytes] = []
        size = 0
        for part in parts:
            data = part.encode() if isinstance(part, str) else part
            buffer.append(data)
            size += len(data)
            if size >= _CHUNK:
                member.write(b"".join(buffer))
                buffer, size = [], 0
        member.write(b"".join(buffer))


def write_xlsx(
    path: Path,
    sheet_xml: Iterable[str | bytes],
    strings_xml: Iterable[str | bytes] = (),
    *,
    sheet: str = "participants",
    compresslevel: int = 6,
) -> Path:
    """A minimal workbook of one sheet, its XML streamed into the archive."""
    path.parent.mkdir(parents=True, exist_ok=True)
    strings = list(strings_xml) if isinstance(strings_xml, tuple | list) else strings_xml
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        _write_member(archive, "[Content_Types].xml", [_CONTENT_TYPES])
        _write_member(archive, "_rels/.rels", [_ROOT_RELS])
        _write_member(archive, "xl/workbook.xml", [_workbook_xml(sheet)])
        _write_member(archive, "xl/_rels/workbook.xml.rels", [_WORKBOOK_RELS])
        _write_member(archive, "xl/worksheets/sheet1.xml", sheet_xml)
        _write_member(archive, "xl/sharedStrings.xml", strings or shared_strings([], 0))
    return path


HEADER = ["participant_key", "service_id", "age_band", "sex", "consent_research"]
"""Header of the participants sheets below."""


def _participant(row: int) -> list[str | int]:
    return [f"{row:032x}", "svc-1", "25-34", "female", "true"]


# ---------------------------------------------------------------- the four costly files
def cell_bomb_xlsx(path: Path, gib: float = 1.0) -> Path:
    """About 1 MB on disk: one shared-string cell that expands to ``gib`` GiB of text."""
    total = int(gib * (1 << 30))

    def strings() -> Iterator[bytes]:
        yield (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<sst xmlns="{_MAIN_NS}" count="1" uniqueCount="1"><si><t>'
        ).encode()
        block = b"A" * _CHUNK
        for _ in range(total // _CHUNK):
            yield block
        yield b"</t></si></sst>"

    rows: list[list[str | int]] = [list(HEADER), [*_participant(1)[:4], 0]]
    return write_xlsx(path, sheet_rows(rows), strings(), compresslevel=9)


def many_rows_xlsx(path: Path, rows: int = 3_000_000) -> Path:
    """About 3 MB on disk: ``rows`` identical participant rows (no cell references)."""

    def sheet() -> Iterator[str]:
        yield _SHEET_START
        head = "".join(f'<c t="s"><v>{i}</v></c>' for i in range(len(HEADER)))
        yield f"<row>{head}</row>"
        cells = "".join(f'<c t="s"><v>{len(HEADER) + i}</v></c>' for i in range(len(HEADER)))
        block = f"<row>{cells}</row>" * 10_000
        for _ in range(rows // 10_000):
            yield block
        yield f"<row>{cells}</row>" * (rows % 10_000)
        yield "</sheetData></worksheet>"

    values = [*HEADER, *(str(v) for v in _participant(1))]
    return write_xlsx(path, sheet(), shared_strings(values, len(values)), compresslevel=9)


def many_strings_xlsx(path: Path, strings: int = 5_000_000) -> Path:
    """About 13 MB on disk: ``strings`` distinct shared strings behind a two-row sheet."""
    values = (*HEADER, *(f"s{i:07d}" for i in range(strings - len(HEADER))))
    rows: list[list[str | int]] = [list(range(len(HEADER))), list(range(len(HEADER)))]
    return write_xlsx(path, sheet_rows(rows), shared_strings(values, strings))


def repeated_strings_parquet(path: Path, rows: int = 15_000_000) -> Path:
    """About 2 MB on disk: ``rows`` participants whose text columns repeat one value."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = 1_000_000
    values = _participant(1)
    schema = pa.schema([(name, pa.string()) for name in HEADER])
    with pq.ParquetWriter(path, schema, use_dictionary=True, compression="zstd") as writer:
        for start in range(0, rows, chunk):
            size = min(chunk, rows - start)
            arrays = [
                pa.DictionaryArray.from_arrays(
                    pa.array([0] * size, pa.int32()), pa.array([str(v)], pa.string())
                ).cast(pa.string())
                for v in values
            ]
            writer.write_table(pa.table(arrays, schema=schema))
    return path


COSTLY = {
    "cell-bomb": ("participants.xlsx", cell_bomb_xlsx),
    "repeated-strings": ("participants.parquet", repeated_strings_parquet),
    "many-rows": ("participants.xlsx", many_rows_xlsx),
    "many-shared-strings": ("participants.xlsx", many_strings_xlsx),
}
"""The four costly files of issue 11: case name → (file name, builder)."""
