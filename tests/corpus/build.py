"""Builders of the hostile-file corpus: one function per case of ``manifest.yaml``.

Small files are committed under ``tests/corpus/files/<case>/`` (rebuild them with
``python -m tests.corpus.build``); cases marked ``generated: true`` in the manifest
expand to megabytes or more and are built at test time instead. Every builder is
deterministic (fixed bytes, a seeded generator, fixed zip dates).
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from tests.corpus.hostile import (
    HEADER,
    cell_bomb_xlsx,
    many_rows_xlsx,
    many_strings_xlsx,
    repeated_strings_parquet,
    shared_strings,
    sheet_rows,
    write_xlsx,
)

HERE = Path(__file__).parent
FILES = HERE / "files"
MANIFEST = HERE / "manifest.yaml"
KEY = "0123456789abcdef0123456789abcdef"
ROW = f"{KEY},svc-1,25-34,female,true"
CSV_HEADER = ",".join(HEADER)

Builder = Callable[[Path], object]


def _text(content: str | bytes) -> Builder:
    def build(path: Path) -> None:
        path.write_bytes(content.encode() if isinstance(content, str) else content)

    return build


def _garbage(size: int, seed: int) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.getrandbits(8) for _ in range(size))


def _deep_json(depth: int, opener: str, closer: str, inner: str = "") -> str:
    return opener * depth + inner + closer * depth


def _record_json(value: str) -> str:
    return (
        f'[{{"participant_key": "{KEY}", "service_id": "svc-1", "age_band": "25-34", '
        f'"sex": "female", "consent_research": {value}}}]'
    )


def _parquet(columns: dict[str, pa.Array] | pa.Table, rows: int | None = None) -> Builder:
    def build(path: Path) -> None:
        table = columns if isinstance(columns, pa.Table) else pa.table(columns)
        pq.write_table(table, path)

    return build


def _dup_parquet(path: Path) -> None:
    arrays = [pa.array([KEY]), pa.array(["svc-1"]), pa.array(["svc-2"])]
    pq.write_table(
        pa.Table.from_arrays(arrays, ["participant_key", "service_id", "service_id"]), path
    )


def _valid_parquet_bytes() -> bytes:
    sink = io.BytesIO()
    table = pa.table(
        {name: pa.array([value] * 50) for name, value in zip(HEADER, ROW.split(","), strict=True)}
    )
    pq.write_table(table, sink)
    return sink.getvalue()


def _truncated_parquet(path: Path) -> None:
    path.write_bytes(_valid_parquet_bytes()[:-40])


def _damaged_parquet(path: Path) -> None:
    data = bytearray(_valid_parquet_bytes())
    for index in range(8, len(data) // 2):
        data[index] = 0xFF
    path.write_bytes(bytes(data))


def _rows_parquet(rows: int) -> Builder:
    def build(path: Path) -> None:
        repeated_strings_parquet(path, rows)

    return build


def _wide(kind: str, columns: int) -> Builder:
    names = [*HEADER, *(f"extra_{i}" for i in range(columns - len(HEADER)))]
    values = [*ROW.split(","), *("x" for _ in range(columns - len(HEADER)))]

    def build(path: Path) -> None:
        if kind == "csv":
            path.write_text(",".join(names) + "\n" + ",".join(values) + "\n")
        elif kind == "parquet":
            pq.write_table(
                pa.table({n: pa.array([v]) for n, v in zip(names, values, strict=True)}), path
            )
        else:
            write_xlsx(path, sheet_rows([names, values]))

    return build


def _xlsx(
    rows: Sequence[Sequence[str | int]],
    strings: list[str] | None = None,
    sheet: str = "participants",
) -> Builder:
    def build(path: Path) -> None:
        xml = shared_strings(strings, len(strings)) if strings is not None else ()
        write_xlsx(path, sheet_rows(rows), xml, sheet=sheet)

    return build


def _valid_xlsx_bytes() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        sink = Path(folder) / "participants.xlsx"
        _xlsx([list(HEADER), ROW.split(",")])(sink)
        return sink.read_bytes()


def _truncated_xlsx(path: Path) -> None:
    path.write_bytes(_valid_xlsx_bytes()[: len(_valid_xlsx_bytes()) // 2])


def _entity_xlsx(entities: str, body: str) -> Builder:
    """A workbook whose shared strings declare a DTD (billion laughs, external entities)."""

    def build(path: Path) -> None:
        strings = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<!DOCTYPE sst [{entities}]>"
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
            f'uniqueCount="1"><si><t>{body}</t></si></sst>'
        )
        rows: list[list[str | int]] = [list(HEADER), [KEY, "svc-1", "25-34", "female", 0]]
        write_xlsx(path, sheet_rows(rows), [strings])

    return build


_LAUGHS = '<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)
)


def _missing_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("[Content_Types].xml", (2026, 1, 1, 0, 0, 0)), "<Types/>")


def _declared_strings(path: Path) -> None:
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'count="900000000" uniqueCount="900000000"><si><t>x</t></si></sst>'
    )
    write_xlsx(path, sheet_rows([list(HEADER)]), [head])


def _big_member_xlsx(path: Path) -> None:
    """A 24 MiB worksheet of blank rows: over a 16 MiB decompressed-size limit."""
    filler = "<row/>" * (4 << 20)
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    write_xlsx(path, [head, filler, "</sheetData></worksheet>"])


BUILDERS: dict[str, Builder] = {
    # CSV
    "csv-duplicate-header": _text(f"participant_key,service_id,service_id\n{KEY},svc-1,svc-2\n"),
    "csv-duplicate-after-trim": _text(f"participant_key, service_id,service_id \n{KEY},a,b\n"),
    "csv-empty": _text(b""),
    "csv-bom-only": _text(b"\xef\xbb\xbf"),
    "csv-whitespace-only": _text(" \n\n\t\n"),
    "csv-header-only": _text(CSV_HEADER + "\n"),
    "csv-binary-garbage": _text(_garbage(4096, 11)),
    "csv-zip-renamed": _text(b"PK\x03\x04" + _garbage(512, 12)),
    "csv-pdf-renamed": _text(b"%PDF-1.7\n" + _garbage(512, 13)),
    "csv-nul-bytes": _text(f"{CSV_HEADER}\n{KEY},svc\x00-1,25-34,female,true\n"),
    "csv-windows-1252": _text(f"{CSV_HEADER}\n{KEY},caf\xe9,25-34,female,true\n".encode("cp1252")),
    "csv-ragged-more-cells": _text(f"{CSV_HEADER}\n{ROW}\n{ROW},extra,more\n"),
    "csv-ragged-fewer-cells": _text(f"{CSV_HEADER}\n{ROW}\n{KEY},svc-1\n"),
    "csv-unclosed-quote": _text(f'{CSV_HEADER}\n{KEY},"svc-1,25-34,female,true\n'),
    "csv-line-over-block": _text(f"{CSV_HEADER}\n{KEY},{'x' * 300_000},25-34,female,true\n"),
    "csv-long-cell": _text(f"{CSV_HEADER}\n{KEY},{'x' * 40_000},25-34,female,true\n"),
    "csv-wide": _wide("csv", 1_500),
    "csv-giant-integer": _text(
        "participant_key,service_id,start_date,end_reason,sessions_offered\n"
        f"{KEY},svc-1,2025-01-01,completed,{'9' * 100_001}\n"
    ),
    "csv-unknown-name": _text(f"{CSV_HEADER}\n{ROW}\n"),
    "csv-utf16": _text(f"{CSV_HEADER}\n{ROW}\n".encode("utf-16")),
    "tsv-not-accepted": _text(f"{CSV_HEADER}\n{ROW}\n".replace(",", "\t")),
    "xls-not-accepted": _text(b"\xd0\xcf\x11\xe0" + _garbage(512, 14)),
    # JSON and JSON Lines
    "json-deep-array": _text(_deep_json(100_000, "[", "]")),
    "json-deep-object": _text(_deep_json(100_000, '{"a":', "}", "1")),
    "json-deep-in-record": _text(_record_json(_deep_json(50, "[", "]"))),
    "json-giant-integer": _text(_record_json("9" * 100_001)),
    "json-giant-float": _text(_record_json("1." + "5" * 100_000)),
    "json-truncated": _text(_record_json("true")[:-30]),
    "json-garbage": _text(_garbage(2048, 15)),
    "json-scalar": _text("42"),
    "json-empty": _text(b""),
    "json-bom-only": _text(b"\xef\xbb\xbf"),
    "json-over-size": _text(_record_json("true")),
    "jsonl-giant-integer": _text(
        '{"participant_key": "' + KEY + '", "sessions": ' + "7" * 100_001 + "}\n"
    ),
    "jsonl-deep": _text('{"a": ' + _deep_json(100_000, "[", "]") + "}\n"),
    "jsonl-bad-lines": _text("{not json}\n" * 3),
    "jsonl-not-objects": _text("[1, 2]\n42\n"),
    "jsonl-empty": _text(b""),
    "jsonl-long-line": _text('{"participant_key": "' + "k" * 300_000 + '"}\n'),
    # Parquet
    "parquet-duplicate-columns": _dup_parquet,
    "parquet-truncated": _truncated_parquet,
    "parquet-damaged-pages": _damaged_parquet,
    "parquet-garbage": _text(b"PAR1" + _garbage(1024, 16) + b"PAR1"),
    "parquet-empty-file": _text(b""),
    "parquet-zero-rows": _parquet({name: pa.array([], pa.string()) for name in HEADER}),
    "parquet-wide": _wide("parquet", 1_200),
    "parquet-rows-over-limit": _rows_parquet(200_000),
    # XLSX
    "xlsx-duplicate-header": _xlsx(
        [["participant_key", "service_id", "service_id"], [KEY, "a", "b"]]
    ),
    "xlsx-truncated": _truncated_xlsx,
    "xlsx-not-a-zip": _text(_garbage(2048, 17)),
    "xlsx-empty-file": _text(b""),
    "xlsx-billion-laughs": _entity_xlsx(_LAUGHS, "&lol9;"),
    "xlsx-external-entity": _entity_xlsx('<!ENTITY xxe SYSTEM "file:///etc/passwd">', "&xxe;"),
    "xlsx-missing-workbook": _missing_workbook,
    "xlsx-declared-strings": _declared_strings,
    "xlsx-long-inline-cell": _xlsx([list(HEADER), [KEY, "x" * 40_000, "25-34", "female", "true"]]),
    "xlsx-wide": _wide("xlsx", 1_100),
    "xlsx-unknown-sheet": _xlsx([list(HEADER), ROW.split(",")], sheet="Sheet1 data"),
    # Generated at test time (they expand to megabytes or more).
    "xlsx-cell-bomb": lambda path: cell_bomb_xlsx(path, gib=0.25),
    "xlsx-over-decompressed-size": _big_member_xlsx,
    "xlsx-many-rows": lambda path: many_rows_xlsx(path, 1_100_000),
    "xlsx-many-shared-strings": lambda path: many_strings_xlsx(path, 1_200_000),
    "csv-many-rows": _text(f"{CSV_HEADER}\n" + f"{ROW}\n" * 120_000),
}


def manifest() -> list[dict[str, object]]:
    """The manifest's cases, in file order."""
    cases: list[dict[str, object]] = yaml.safe_load(MANIFEST.read_text())["cases"]
    return cases


def build(case: dict[str, object], folder: Path) -> Path:
    """Write ``case``'s file into ``folder/<case>/`` and return its path."""
    path = folder / str(case["case"]) / str(case["file"])
    path.parent.mkdir(parents=True, exist_ok=True)
    BUILDERS[str(case["case"])](path)
    return path


def main() -> int:
    """Rebuild the committed files (the cases not marked ``generated``)."""
    for case in manifest():
        if not case.get("generated"):
            print(build(case, FILES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
