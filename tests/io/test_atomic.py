"""Atomic writes: whole files or nothing, and devices written into, never replaced."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from peerbench.io.atomic import atomic_path


def test_a_file_is_replaced_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with atomic_path(target) as tmp:
        tmp.write_text("new")
        assert target.read_text() == "old"
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("stopped")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_a_pipe_is_written_into_and_stays_a_pipe(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = tmp_path / "received.txt"
    with open(received, "wb") as sink:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=sink)
        with atomic_path(fifo) as tmp:
            tmp.write_text("through the pipe")
        assert reader.wait(timeout=30) == 0
    assert received.read_text() == "through the pipe"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_dev_null_stays_a_device() -> None:
    null = Path(os.devnull)
    with atomic_path(null) as tmp:
        tmp.write_text("discarded")
    assert stat.S_ISCHR(null.stat().st_mode)
