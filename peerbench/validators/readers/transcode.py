"""A read-only byte stream that turns Windows-1252 or UTF-16 text into UTF-8 as it is read.

The CSV parser only reads UTF-8; transcoding chunk by chunk keeps memory bounded for
files of any size instead of decoding the whole file first.
"""

from __future__ import annotations

import codecs
import io
from typing import BinaryIO

_CHUNK = 1 << 20


def _cp1252_table() -> str:
    """Windows-1252, with its five undefined bytes mapped as Windows itself maps them.

    Python's strict ``cp1252`` codec rejects 0x81, 0x8D, 0x8F, 0x90 and 0x9D; Windows
    turns them into the C1 control characters of the same number. Doing the same means
    any byte sequence decodes, so a stray byte can never crash a read.
    """
    chars = []
    for byte in range(256):
        try:
            chars.append(bytes([byte]).decode("cp1252"))
        except UnicodeDecodeError:
            chars.append(chr(byte))
    return "".join(chars)


CP1252_TABLE = _cp1252_table()


def decode_cp1252(data: bytes) -> str:
    """Decode Windows-1252 without ever failing (see :func:`_cp1252_table`)."""
    return codecs.charmap_decode(data, "strict", CP1252_TABLE)[0]


class TranscodingReader(io.RawIOBase):
    """Reads ``source`` (in ``encoding``) and gives back UTF-8 bytes.

    Args:
        source: The raw file, positioned at the start of the text (after any BOM that
            the codec does not consume itself).
        encoding: ``cp1252`` or any Python codec with an incremental decoder.
    """

    def __init__(self, source: BinaryIO, encoding: str) -> None:
        super().__init__()
        self._source = source
        self._buffer = b""
        self._position = 0
        self._done = False
        if encoding == "cp1252":
            self._decoder: codecs.IncrementalDecoder | None = None
        else:
            self._decoder = codecs.getincrementaldecoder(encoding)(errors="replace")

    def readable(self) -> bool:
        """Always readable."""
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        """Fill ``buffer`` with the next UTF-8 bytes; 0 at the end of the file."""
        while self._position >= len(self._buffer) and not self._done:
            self._fill()
        # Track a position rather than re-slicing the buffer, which would copy it each time.
        size = min(len(buffer), len(self._buffer) - self._position)
        buffer[:size] = self._buffer[self._position : self._position + size]
        self._position += size
        return size

    def _fill(self) -> None:
        raw = self._source.read(_CHUNK)
        final = not raw
        if self._decoder is None:
            text = decode_cp1252(raw)
        else:
            text = self._decoder.decode(raw, final=final)
        self._buffer = text.encode("utf-8")
        self._position = 0
        self._done = final

    def close(self) -> None:
        """Close the underlying file too."""
        self._source.close()
        super().close()
