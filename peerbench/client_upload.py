"""What the client uploads: the files for the paths given, read with progress counted."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

from peerbench.validators.readers import FORMATS
from peerbench.validators.readers.version import DESCRIPTOR_NAME, MANIFEST_NAME


def upload_files(paths: Sequence[Path]) -> list[Path]:
    """The files to upload for ``paths``: data files, folders' data files, manifests.

    A folder contributes the data files the validator would read (by suffix) and its
    ``peerbench.json``; a file brings the manifest beside it, if any, so the server sees
    the same standard version the local check saw.

    Raises:
        FileNotFoundError: a path does not exist.
        ValueError: two files share a name (the server keys files by name).
    """
    found: dict[str, Path] = {}
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"no such file or folder: {path}")
        folder = path if path.is_dir() else path.parent
        files = (
            sorted(
                child
                for child in folder.iterdir()
                if child.is_file()
                and child.suffix.lower() in FORMATS
                and child.name != DESCRIPTOR_NAME
                and not child.name.startswith((".", "~$"))
            )
            if path.is_dir()
            else [path]
        )
        manifest = folder / MANIFEST_NAME
        if manifest.is_file():
            files.append(manifest)
        for file in files:
            known = found.get(file.name)
            if known is not None and known.resolve() != file.resolve():
                raise ValueError(f"two files are named {file.name}: {known} and {file}")
            found[file.name] = file
    return list(found.values())


class CountingReader:
    """A binary file that reports bytes read, for the upload progress bar."""

    def __init__(self, handle: IO[bytes], report: Callable[[int], None]) -> None:
        self.handle = handle
        self.report = report
        self.position = 0

    def fileno(self) -> int:
        return self.handle.fileno()  # lets httpx learn the size, so Content-Length is set

    def tell(self) -> int:
        return self.handle.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        position = self.handle.seek(offset, whence)
        self.report(position - self.position)  # a rewind (retry) counts back
        self.position = position
        return position

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.position += len(chunk)
        self.report(len(chunk))
        return chunk
