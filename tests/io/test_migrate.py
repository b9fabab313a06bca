"""peerbench.io.migrate: 1.0 files become current (1.2) files holding exactly what they held."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerbench.io.migrate import (
    MigrationError,
    chain,
    declared_version,
    migrate_path,
    restamp_table,
)
from peerbench.io.tabular import FileFormat
from peerbench.schema.version import MANIFEST_NAME, PARQUET_VERSION_KEY, STANDARD_VERSION
from peerbench.synth.config import SynthConfig
from peerbench.synth.generator import generate
from peerbench.synth.writer import write_dataset
from peerbench.validators.engine import validate

TODAY = dt.date(2026, 12, 6)


def _as_1_0(folder: Path) -> Path:
    """Make a synthetic folder look as the 1.0 toolkit wrote it."""
    for path in folder.glob("*.parquet"):
        pq.write_table(restamp_table(pq.read_table(path), "1.0.0"), path)
    manifest = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
    manifest["standard_version"] = "1.0.0"
    (folder / MANIFEST_NAME).write_text(json.dumps(manifest), encoding="utf-8")
    descriptor = folder / "datapackage.json"  # as a later 1.0 writer would have described it
    package = json.loads(descriptor.read_text(encoding="utf-8"))
    descriptor.write_text(json.dumps({**package, "x-standard-version": "1.0.0"}), encoding="utf-8")
    (folder / "injected_errors.csv").unlink(missing_ok=True)
    return folder


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    data = generate(SynthConfig(organisations=1, outcome_rows=60, seed=5, error_rate=0.0))
    root = tmp_path_factory.mktemp("v1_0")
    parquet = root / "parquet"
    csv = root / "csv"
    write_dataset(data, parquet, FileFormat.PARQUET)
    write_dataset(data, csv, FileFormat.CSV)
    write_dataset(data, root / "jsonl", FileFormat.JSONL)
    return {"parquet": _as_1_0(parquet), "csv": _as_1_0(csv), "jsonl": _as_1_0(root / "jsonl")}


def _copy(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


def test_chain_of_releases() -> None:
    assert chain("1.0") == ["1.0.0", "1.1.0", "1.2.0"]
    assert chain("1.1.0") == ["1.1.0", "1.2.0"]
    assert chain("1.2.0") == ["1.2.0"]
    for bad, why in (("1.3.0", "never released"), ("2.0", "never released"), ("x", "not a")):
        with pytest.raises(MigrationError, match=why):
            chain(bad)
    with pytest.raises(MigrationError, match="never migrated backwards"):
        chain("1.1", "1.0")


def test_parquet_folder_is_upgraded_losslessly(dataset: dict[str, Path], tmp_path: Path) -> None:
    source = dataset["parquet"]
    assert validate([source], today=TODAY).valid  # 1.0 stays readable
    out = tmp_path / "out"
    done = migrate_path(source, out)
    parquet = sorted(source.glob("*.parquet"))
    assert {m.name for m in done if m.format == "parquet"} == {p.name for p in parquet}
    for path in parquet:
        before, after = pq.read_table(path), pq.read_table(out / path.name)
        assert declared_version(path) == "1.0.0" and declared_version(out / path.name) == "1.2.0"
        assert after.equals(before)
        assert after.schema.equals(before.schema, check_metadata=False)
        rest = {k: v for k, v in (after.schema.metadata or {}).items() if k != PARQUET_VERSION_KEY}
        assert rest == {
            k: v for k, v in (before.schema.metadata or {}).items() if k != PARQUET_VERSION_KEY
        }
    manifest = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
    original = json.loads((source / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest == {**original, "standard_version": STANDARD_VERSION}
    report = validate([out], today=TODAY)
    assert report.valid and "version-unsupported" not in report.by_code


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_text_files_are_copied_byte_for_byte_beside_a_new_manifest(
    dataset: dict[str, Path], tmp_path: Path, kind: str
) -> None:
    source = dataset[kind]
    done = migrate_path(source, tmp_path / "out")
    assert done and all(m.from_version == "1.0.0" and m.to_version == "1.2.0" for m in done)
    assert {m.format for m in done} == {kind, "descriptor"}
    package = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert package["x-standard-version"] == "1.2.0"  # the descriptor follows its files
    for path in source.glob(f"*.{kind}"):
        assert (tmp_path / "out" / path.name).read_bytes() == path.read_bytes()
    manifest = json.loads((tmp_path / "out" / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["standard_version"] == "1.2.0"
    assert validate([tmp_path / "out"], today=TODAY).valid


def test_json_bundle_file_declares_the_new_version(
    dataset: dict[str, Path], tmp_path: Path
) -> None:
    bundle: dict[str, Any] = {"standard_version": "1.0.0", "period": "2026-Q3"}
    for path in sorted(dataset["parquet"].glob("*.parquet")):
        rows = pq.read_table(path).to_pylist()
        bundle[path.stem] = [
            {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in r.items()} for r in rows
        ]
    source = tmp_path / "in" / "submission.json"
    source.parent.mkdir()
    source.write_text(json.dumps(bundle), encoding="utf-8")
    (done,) = migrate_path(source, tmp_path / "out")
    assert (done.from_version, done.to_version) == ("1.0.0", "1.2.0")
    after = json.loads((tmp_path / "out" / "submission.json").read_text(encoding="utf-8"))
    assert after == {**bundle, "standard_version": "1.2.0"}
    before = validate([source], today=TODAY)
    migrated = validate([tmp_path / "out" / "submission.json"], today=TODAY)
    assert migrated.by_code == before.by_code  # read the same way: nothing in it changed


def test_a_file_that_declares_nothing_is_read_as_assume(
    dataset: dict[str, Path], tmp_path: Path
) -> None:
    source = tmp_path / "in" / "outcomes.csv"
    source.parent.mkdir()
    shutil.copyfile(dataset["csv"] / "outcomes.csv", source)
    (done,) = migrate_path(source, tmp_path / "out", assume="1.0")
    assert done.from_version == "1.0.0" and "byte for byte" in done.action
    assert json.loads((tmp_path / "out" / MANIFEST_NAME).read_text()) == {
        "standard_version": "1.2.0"
    }


def test_out_is_never_half_written(dataset: dict[str, Path], tmp_path: Path) -> None:
    source = _copy(dataset["parquet"], tmp_path / "src")
    broken = source / "services.parquet"
    pq.write_table(restamp_table(pq.read_table(broken), "2.0.0"), broken)
    out = tmp_path / "out"
    with pytest.raises(MigrationError, match="never released"):
        migrate_path(source, out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["src"]  # no staging folder left behind


def test_out_exists_or_inside_the_source(dataset: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(MigrationError, match="pass --force"):
        migrate_path(dataset["csv"], out)
    assert (out / "keep.txt").read_text() == "mine"
    migrate_path(dataset["csv"], out, force=True)
    assert not (out / "keep.txt").exists() and (out / "outcomes.csv").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    with pytest.raises(MigrationError, match="outside the source"):
        migrate_path(dataset["csv"], dataset["csv"] / "v1.1")


def test_a_copy_that_differs_from_its_source_is_refused(
    dataset: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pq.write_table

    def drop_a_row(table: pa.Table, where: Path) -> None:
        real(table.slice(1), where)

    monkeypatch.setattr("peerbench.io.migrate.pq.write_table", drop_a_row)
    with pytest.raises(MigrationError, match="differs from its source"):
        migrate_path(dataset["parquet"], tmp_path / "out")
    assert not (tmp_path / "out").exists()
