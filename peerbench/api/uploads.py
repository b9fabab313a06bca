"""Stream a multipart upload straight into a spool folder, hashing each file on the way.

Starlette's form parser spools files to the system temp folder and keeps small ones in
memory; a submission must land under ``data_dir`` (one folder per upload, removed after
processing) and be hashed for de-duplication, so the parts are written here directly
with python-multipart. The request-size limit is enforced underneath, by
:class:`peerbench.api.limits.BodySizeLimit`, which counts the streamed bytes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header

from peerbench.api.errors import ApiError
from peerbench.server.receive import safe_file_name as _safe

MAX_FIELD_BYTES = 64 * 1024
"""Largest plain form field (period, organisation id); files have no such limit."""
MAX_FILES = 100


@dataclass(frozen=True)
class SpooledFile:
    """One uploaded file on disk."""

    name: str
    path: Path
    size: int
    sha256: str


@dataclass
class SpooledForm:
    """Plain fields and spooled files of one multipart request."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[SpooledFile] = field(default_factory=list)


def safe_file_name(raw: str) -> str:
    """The base name of an uploaded file, refusing names that could escape the spool.

    Raises:
        ApiError: 422 ``invalid-file-name``.
    """
    name = _safe(raw)
    if name is None:
        name = PurePosixPath(raw.replace("\\", "/")).name
        raise ApiError(
            422,
            "File names may use letters, digits, spaces, '.', '_' and '-' only.",
            code="invalid-file-name",
            details={"file": name[:200]},
        )
    return name


class _Collector:
    """python-multipart callbacks writing file parts to ``folder``."""

    def __init__(self, folder: Path, form: SpooledForm) -> None:
        self.folder = folder
        self.form = form
        self.header_name = b""
        self.header_value = b""
        self.disposition = b""
        self.field_name = ""
        self.file_name: str | None = None
        self.buffer = bytearray()
        self.handle: IO[bytes] | None = None
        self.digest = hashlib.sha256()
        self.size = 0

    def on_part_begin(self) -> None:
        self.disposition, self.file_name, self.size = b"", None, 0
        self.buffer = bytearray()

    def on_header_field(self, data: bytes, start: int, end: int) -> None:
        self.header_name += data[start:end]

    def on_header_value(self, data: bytes, start: int, end: int) -> None:
        self.header_value += data[start:end]

    def on_header_end(self) -> None:
        if self.header_name.lower() == b"content-disposition":
            self.disposition = self.header_value
        self.header_name, self.header_value = b"", b""

    def on_headers_finished(self) -> None:
        _, options = parse_options_header(self.disposition)
        self.field_name = options.get(b"name", b"").decode("utf-8", "replace")
        raw_name = options.get(b"filename")
        if raw_name is None:
            return
        if len(self.form.files) >= MAX_FILES:
            raise ApiError(422, f"At most {MAX_FILES} files may be sent at once.")
        name = safe_file_name(raw_name.decode("utf-8", "replace"))
        if any(f.name == name for f in self.form.files):
            raise ApiError(
                422, f"Two files are named '{name}'; send each file once.", details={"file": name}
            )
        self.file_name = name
        self.digest = hashlib.sha256()
        self.handle = (self.folder / name).open("wb")

    def on_part_data(self, data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if self.handle is not None:
            # Plain writes: chunks are ≤ 64 KiB, so the event loop is held only briefly.
            self.handle.write(chunk)
            self.digest.update(chunk)
            self.size += len(chunk)
            return
        self.buffer.extend(chunk)
        if len(self.buffer) > MAX_FIELD_BYTES:
            raise ApiError(422, f"Form field '{self.field_name}' is too long.")

    def on_part_end(self) -> None:
        if self.handle is not None and self.file_name is not None:
            self.handle.close()
            self.handle = None
            path = self.folder / self.file_name
            spooled = SpooledFile(self.file_name, path, self.size, self.digest.hexdigest())
            self.form.files.append(spooled)
        elif self.field_name:
            self.form.fields[self.field_name] = self.buffer.decode("utf-8", "replace").strip()

    def close(self) -> None:
        if self.handle is not None:
            self.handle.close()
            self.handle = None


async def spool_multipart(request: Request, folder: Path) -> SpooledForm:
    """Read a ``multipart/form-data`` body: files into ``folder``, fields into a dict.

    Args:
        request: The request; its body is consumed.
        folder: An existing empty folder for this upload (the caller removes it).

    Raises:
        ApiError: 422 for a malformed body or bad file names.
    """
    _, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if not boundary:
        raise ApiError(422, "The multipart body has no boundary.")
    form = SpooledForm()
    collector = _Collector(folder, form)
    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": collector.on_part_begin,
            "on_part_data": collector.on_part_data,
            "on_part_end": collector.on_part_end,
            "on_header_field": collector.on_header_field,
            "on_header_value": collector.on_header_value,
            "on_header_end": collector.on_header_end,
            "on_headers_finished": collector.on_headers_finished,
        },
    )
    try:
        async for chunk in request.stream():
            parser.write(chunk)
        parser.finalize()
    except FormParserError as exc:
        raise ApiError(422, "The multipart body could not be read.") from exc
    finally:
        collector.close()
    return form
