"""Where a directory's organisations and services come from: a server's pool or files."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from peerbench.directory import DirectorySourceError, directory_tables, export_directory
from peerbench.directory.sources import directory_files
from tests.api.harness import running_server, synth_slices


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """A server data folder holding three organisations' submissions, and their files."""
    root = tmp_path_factory.mktemp("directory-pool")
    slices = synth_slices(root / "synth", organisations=3, outcome_rows=300)
    data = root / "data"
    with running_server(f"sqlite:///{data / 'peerbench.sqlite3'}", data, sorted(slices)) as s:
        s.submit_all(slices)
    yield data, root / "synth" / "all"


def test_a_server_pool_gives_its_current_organisations_and_services(
    data_dir: tuple[Path, Path], tmp_path: Path
) -> None:
    pool, files = data_dir
    tables = directory_tables(pool)
    assert sorted(tables) == ["organisation", "service"]
    for record_type, stem in (("organisation", "organisations"), ("service", "services")):
        key = f"{record_type}_id"
        submitted = pq.read_table(files / f"{stem}.parquet").column(key).to_pylist()
        assert sorted(tables[record_type].column(key).to_pylist()) == sorted(submitted)
    done = export_directory(pool, tmp_path / "services.json")
    assert done.items == tables["service"].num_rows and done.organisations == 3


def test_only_the_organisation_and_service_files_are_read(
    reference_folder: Path, tmp_path: Path
) -> None:
    for name in ("organisations.parquet", "services.parquet"):
        shutil.copy(reference_folder / name, tmp_path / name)
    tables = directory_tables(tmp_path)
    assert tables["service"].num_rows == 28
    assert [p.name for p in directory_files(reference_folder)] == [
        "organisations.parquet",
        "services.parquet",
    ]


def test_a_folder_without_services_is_refused(reference_folder: Path, tmp_path: Path) -> None:
    shutil.copy(reference_folder / "organisations.parquet", tmp_path)
    with pytest.raises(DirectorySourceError, match=r"no services\.parquet, \.csv or \.jsonl"):
        directory_tables(tmp_path)
    with pytest.raises(DirectorySourceError, match="is not a folder"):
        directory_tables(tmp_path / "organisations.parquet")


def test_files_that_break_the_standard_are_refused(tmp_path: Path) -> None:
    (tmp_path / "organisations.csv").write_text(
        "organisation_id,name,organisation_type,region\norg-1,Riverside,charity,atlantis\n",
        encoding="utf-8",
    )
    (tmp_path / "services.csv").write_text(
        "service_id,organisation_id,name,condition_focus,delivery_format,"
        "facilitator_model,structure\n"
        "svc-1,org-1,Walk and Talk,mental_health,group,volunteer_peers,ad_hoc\n",
        encoding="utf-8",
    )
    with pytest.raises(DirectorySourceError, match="region"):
        directory_tables(tmp_path)
