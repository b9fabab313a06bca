"""Record types from names, encodings and delimiters."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from peerbench.validators.readers.detect import (
    CP1252,
    UTF8,
    UTF8_BOM,
    UTF16,
    binary_reason,
    detect_encoding,
    is_template_sheet,
    record_type_from_name,
    sniff_delimiter,
    sniff_table_delimiter,
    unknown_name_detail,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("outcomes", "outcome"),
        ("Outcomes", "outcome"),
        (" OUTCOME ", "outcome"),
        ("service_use", "service_use"),
        ("Service use", "service_use"),
        ("service-use", "service_use"),
        ("feedback", "feedback"),
        ("organisations", "organisation"),
        ("outcomes_2024", None),
        ("Sheet1", None),
    ],
)
def test_record_type_from_name(name: str, expected: str | None) -> None:
    assert record_type_from_name(name) == expected


def test_unknown_name_detail_lists_names_and_the_closest() -> None:
    detail = unknown_name_detail("engagments", "file")
    assert detail.startswith("file name 'engagments' is not a record type")
    assert "organisations, services, participants, engagements, outcomes" in detail
    assert detail.endswith("(closest: engagements)")
    assert "closest" not in unknown_name_detail("zzz", "sheet")


@pytest.mark.parametrize("name", ["Instructions", "Data dictionary", "code_lists", "CODE  LISTS"])
def test_template_sheets(name: str) -> None:
    assert is_template_sheet(name)


def test_a_record_sheet_is_not_a_template_sheet() -> None:
    assert not is_template_sheet("outcomes")


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"a,b\n", UTF8),
        ("a,é\n".encode(), UTF8),
        (codecs.BOM_UTF8 + b"a,b\n", UTF8_BOM),
        ("a,é£\n".encode("cp1252"), CP1252),
        ("a\tb\n".encode("utf-16"), UTF16),
    ],
)
def test_detect_encoding(tmp_path: Path, content: bytes, expected: object) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert detect_encoding(path) == expected


def test_a_character_split_across_scan_chunks_is_still_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    # "é" is two bytes; put its first byte last in the first 1 MiB chunk.
    path.write_bytes(b"a" * ((1 << 20) - 1) + "é".encode() + b"b" * 10)
    assert detect_encoding(path) == UTF8


def test_a_character_cut_short_at_a_chunk_end_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(b"a" * ((1 << 20) - 1) + b"\xc3" + b"b" * 10)
    assert detect_encoding(path) == CP1252


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("a,b,c\n1;2", ","),
        ("a;b;c\n1,5;2", ";"),
        ('"x,y";b;c\n', ";"),
        ("a\tb\n", "\t"),
        ("single\n", ","),
        ("a,b;c\n", ","),
    ],
)
def test_sniff_delimiter(sample: str, expected: str) -> None:
    assert sniff_delimiter(sample) == expected


def test_binary_reason() -> None:
    assert binary_reason(b"a,b\n1,2\n") is None
    assert binary_reason("a".encode("utf-16")) is None
    assert "NUL" in (binary_reason(b"a\x00b") or "")
    assert "Parquet" in (binary_reason(b"PAR1....") or "")


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("Title, with a comma\nid;a;b\n1;2;3\n4;5;6\n", ";"),
        ('id,a,b\n1,2,3\n4,"x;y",6\n', ","),
        ("id,note\n1,a;b;c\n2,d\n3,e\n", ","),
        ("id\tq\n1\t2\n", "\t"),
        ("one column\nvalue\n", ","),
        ("", ","),
    ],
)
def test_sniff_table_delimiter_looks_past_title_lines(sample: str, expected: str) -> None:
    assert sniff_table_delimiter(sample) == expected


def test_sniff_table_delimiter_reads_only_the_first_lines() -> None:
    sample = "a,b\n" * 3 + "x;y;z;w\n" * 50
    assert sniff_table_delimiter(sample, max_lines=3) == ","
