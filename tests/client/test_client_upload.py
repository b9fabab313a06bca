"""What the client uploads: folders expanded, manifests brought along, progress counted."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from peerbench.client_upload import CountingReader, upload_files


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """An export folder: two data files, a manifest, and files that are not data."""
    export = tmp_path / "export"
    export.mkdir()
    for name in ("outcomes.parquet", "services.csv", "peerbench.json", "notes.docx", ".hidden.csv"):
        (export / name).write_bytes(b"x")
    (export / "~$services.xlsx").write_bytes(b"lock")
    return export


def test_a_folder_gives_its_data_files_and_manifest(folder: Path) -> None:
    names = [p.name for p in upload_files([folder])]
    assert names == ["outcomes.parquet", "peerbench.json", "services.csv"]


def test_a_file_brings_the_manifest_beside_it(folder: Path) -> None:
    names = [p.name for p in upload_files([folder / "outcomes.parquet"])]
    assert names == ["outcomes.parquet", "peerbench.json"]
    # The same file twice (by folder and by name) is sent once.
    assert len(upload_files([folder, folder / "outcomes.parquet"])) == 3


def test_two_files_of_one_name_are_refused(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "outcomes.parquet").write_bytes(b"y")
    with pytest.raises(ValueError, match=r"two files are named outcomes\.parquet"):
        upload_files([folder, other])
    with pytest.raises(FileNotFoundError):
        upload_files([tmp_path / "missing"])


def test_progress_counts_reads_and_rewinds() -> None:
    counted: list[int] = []
    reader = CountingReader(io.BytesIO(b"0123456789"), counted.append)
    assert reader.read(4) == b"0123" and reader.read() == b"456789"
    reader.seek(0)  # a retry rewinds: what was counted is taken back
    assert counted == [4, 6, -10] and sum(counted) == 0 and reader.tell() == 0
