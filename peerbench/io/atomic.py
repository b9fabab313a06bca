"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path


def fsync_directory(directory: Path) -> None:
    """Flush a directory entry so a completed rename survives a crash."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; on success fsync it and rename over target.

    On any exception the temporary file is removed and ``target`` is untouched. A target
    that is a character device or a pipe (``--out /dev/null``, ``--out /dev/stdout``, a
    FIFO) is written into, never renamed over: renaming would replace the device node
    with a regular file (it once turned a machine's ``/dev/null`` into one).
    """
    if _is_stream(target):
        with tempfile.TemporaryDirectory(prefix="peerbench-out-") as folder:
            tmp = Path(folder, target.name or "out")
            tmp.touch()
            yield tmp
            with open(tmp, "rb") as source, open(target, "wb") as sink:
                shutil.copyfileobj(source, sink)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, target)
        fsync_directory(target.parent)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _is_stream(target: Path) -> bool:
    """True for an existing character device or FIFO (written into, not replaced)."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode)
