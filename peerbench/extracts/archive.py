"""Zip an extract folder for download, and unpack a downloaded one atomically."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import IO

from peerbench.extracts.staging import staged_folder


def zip_folder(folder: Path, target: Path | IO[bytes]) -> list[str]:
    """Write every file of ``folder`` (flat) into a zip; returns the names stored.

    Parquet is already compressed, so it is stored; text files are deflated.
    """
    names = []
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            method = zipfile.ZIP_STORED if path.suffix == ".parquet" else zipfile.ZIP_DEFLATED
            archive.write(path, path.name, compress_type=method)
            names.append(path.name)
    return names


def unpack(source: Path | IO[bytes], out_dir: Path) -> list[str]:
    """Unpack an extract zip into ``out_dir``, all or nothing.

    Only flat, plain file names are accepted (no folders, no ``..``), so a hostile
    archive cannot write outside ``out_dir``.

    Raises:
        ValueError: the archive is not a zip or holds an unsafe name.
        FileExistsError: ``out_dir`` exists and is not empty.
    """
    try:
        archive = zipfile.ZipFile(source)
    except zipfile.BadZipFile as exc:
        raise ValueError(f"the download is not a zip archive: {exc}") from None
    with archive:
        names = archive.namelist()
        for name in names:
            if "/" in name or "\\" in name or name in ("", ".", "..") or name.startswith("."):
                raise ValueError(f"the archive holds an unsafe file name: {name!r}")
        with staged_folder(out_dir) as folder:
            for name in names:
                with archive.open(name) as data, open(folder / name, "wb") as handle:
                    shutil.copyfileobj(data, handle)
    return sorted(names)
