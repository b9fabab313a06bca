"""Write a folder atomically: build it under a hidden temporary name, then rename it.

A reader (or a crash) sees either no folder or the complete one, never a partial one.
The folder is readable by its owner only (``0700``) from the start, and every file in
it is made ``0600`` before it appears under its name: extracts are row-level data.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

from peerbench.io.atomic import fsync_directory

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600


def check_target(target: Path) -> None:
    """Refuse a target that exists and is a file or a folder with something in it.

    Raises:
        FileExistsError: the target is in use.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise FileExistsError(f"{target} already exists and is not an empty folder")


@contextlib.contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """Yield a temporary folder beside ``target``; on success rename it to ``target``.

    On any exception the temporary folder is deleted and ``target`` is not created.

    Raises:
        FileExistsError: ``target`` exists and is not an empty folder.
    """
    check_target(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.parent / f".{target.name}.{secrets.token_hex(4)}.tmp"
    staging.mkdir(mode=PRIVATE_DIR)
    staging.chmod(PRIVATE_DIR)  # whatever the umask
    try:
        yield staging
        for path in staging.rglob("*"):
            path.chmod(PRIVATE_DIR if path.is_dir() else PRIVATE_FILE)
        check_target(target)  # someone may have filled it meanwhile
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
        fsync_directory(target.parent)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
