"""Streaming transcoding to UTF-8 agrees with decoding the whole input at once."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st

from peerbench.validators.readers.transcode import TranscodingReader, decode_cp1252


def _read_all(reader: TranscodingReader, size: int) -> bytes:
    parts = []
    while chunk := reader.read(size):
        parts.append(chunk)
    return b"".join(parts)


@given(data=st.binary(max_size=2000), size=st.integers(min_value=1, max_value=300))
def test_cp1252_stream_equals_whole_decode(data: bytes, size: int) -> None:
    reader = TranscodingReader(io.BytesIO(data), "cp1252")
    assert _read_all(reader, size) == decode_cp1252(data).encode("utf-8")


@given(text=st.text(max_size=500), size=st.integers(min_value=1, max_value=300))
def test_utf16_stream_equals_whole_decode(text: str, size: int) -> None:
    reader = TranscodingReader(io.BytesIO(text.encode("utf-16")), "utf-16")
    expected = text.encode("utf-16").decode("utf-16", errors="replace").encode("utf-8")
    assert _read_all(reader, size) == expected


def test_every_byte_decodes_and_known_ones_as_windows_does() -> None:
    assert decode_cp1252(bytes(range(256)))[0x80:0x82] == "€\x81"
    assert decode_cp1252(b"\xa3\xe9\x93") == "£é“"


def test_closing_closes_the_underlying_file() -> None:
    raw = io.BytesIO(b"abc")
    reader = TranscodingReader(raw, "cp1252")
    reader.close()
    assert raw.closed
