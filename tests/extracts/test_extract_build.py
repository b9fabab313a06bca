"""The extract folder: files, formats, harmonisation, latest rows and atomic writing."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

import peerbench.extracts.build as build_module
from peerbench.extracts import build_extract
from peerbench.extracts.archive import unpack, zip_folder
from peerbench.extracts.consent import EXTRACTED
from peerbench.extracts.manifest import read_manifest
from peerbench.schema.codelists import ETHNICITY_GROUP, Ethnicity
from peerbench.schema.records import RECORD_TYPES
from peerbench.synth import SynthConfig, generate

SALT = b"b" * 32


@cache
def synthetic() -> dict[str, pa.Table]:
    return dict(generate(SynthConfig(organisations=2, outcome_rows=400, seed=3)).tables)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("extract") / "x"
    build_extract(synthetic(), project="study-1", extract_id="e1", salt=SALT, out_dir=out)
    return out


def test_files_and_equal_row_counts(extract: Path) -> None:
    names = sorted(p.name for p in extract.iterdir())
    extracted = {rt: RECORD_TYPES[rt] for rt in EXTRACTED}
    stems = [model.file_stem for model in extracted.values()]
    expected = {f"{s}.{ext}" for s in stems for ext in ("csv", "parquet")}
    scoring = {"scoring_rules.csv", "scoring_items.csv", "scoring_conversions.csv"}
    assert set(names) == expected | scoring | {
        "datapackage.json",
        "data_dictionary.md",
        "README.md",
    }
    manifest = read_manifest(extract)
    for record_type, model in extracted.items():
        parquet = pq.read_table(extract / f"{model.file_stem}.parquet")
        csv = pacsv.read_csv(extract / f"{model.file_stem}.csv")
        assert parquet.num_rows == csv.num_rows == manifest.row_counts[record_type]


def test_csv_is_flat_utf8_with_iso_dates(extract: Path) -> None:
    header = (extract / "outcomes.csv").read_text(encoding="utf-8").splitlines()[0]
    columns = [c.strip('"') for c in header.split(",")]
    assert "items" not in columns and "item_1" in columns
    dates = pacsv.read_csv(
        extract / "outcomes.csv",
        convert_options=pacsv.ConvertOptions(column_types={"date_administered": pa.string()}),
    ).column("date_administered")
    assert all(dt.date.fromisoformat(d) for d in dates.to_pylist())
    themes = pacsv.read_csv(extract / "feedback.csv").column("themes").to_pylist()
    assert themes and all(isinstance(t, str) for t in themes)


def test_harmonised_columns(extract: Path) -> None:
    participants = pq.read_table(extract / "participants.parquet")
    names = participants.column_names
    assert names[names.index("ethnicity") + 1] == "ethnic_group"
    for ethnicity, group in zip(
        participants.column("ethnicity").to_pylist(),
        participants.column("ethnic_group").to_pylist(),
        strict=True,
    ):
        expected = None if ethnicity is None else ETHNICITY_GROUP[Ethnicity(ethnicity)].value
        assert group == expected
    for model in (RECORD_TYPES[rt] for rt in EXTRACTED):
        table = pq.read_table(extract / f"{model.file_stem}.parquet")
        assert "_submission_id" not in table.column_names
        assert table.column_names[-3:] == ["_organisation_id", "_period", "_standard_version"]
        assert table.schema.metadata[b"peerbench.extract_id"] == b"e1"
    outcomes = pq.read_table(extract / "outcomes.parquet")
    assert outcomes.column("_organisation_id").null_count == 0  # derived from services


def _pooled(period: str, consent: bool, submission: str) -> dict[str, pa.Table]:
    participants = pa.table(
        {
            "participant_key": ["c" * 32],
            "service_id": ["s1"],
            "age_band": ["35_44"],
            "sex": ["female"],
            "consent_research": [consent],
            "_submission_id": [submission],
            "_organisation_id": ["org1"],
            "_period": [period],
            "_standard_version": ["1.0.0"],
        }
    )
    return {"participants": participants}


def test_the_latest_period_wins_and_submission_ids_are_dropped(tmp_path: Path) -> None:
    early, late = _pooled("2025-Q1", True, "sub-a"), _pooled("2025-Q2", False, "sub-b")
    tables = {"participant": pa.concat_tables([late["participants"], early["participants"]])}
    m = build_extract(tables, project="p", extract_id="e", salt=SALT, out_dir=tmp_path / "x")
    assert m.row_counts["participant"] == 0  # consent withdrawn in the later period
    tables = {"participant": pa.concat_tables([early["participants"], late["participants"]])}
    tables["participant"] = tables["participant"].set_column(
        4, "consent_research", pa.array([False, True])
    )
    m = build_extract(tables, project="p", extract_id="e", salt=SALT, out_dir=tmp_path / "y")
    out = pq.read_table(tmp_path / "y" / "participants.parquet")
    # The later copy's values (consent given), labelled with the period it first arrived in.
    assert out.column("consent_research").to_pylist() == [True]
    assert out.column("_period").to_pylist() == ["2025-Q1"]
    assert "_submission_id" not in out.column_names
    assert "sub-b" not in (tmp_path / "y" / "participants.csv").read_text()


def test_failure_leaves_no_partial_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(item_count: int) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(build_module, "data_dictionary", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        build_extract(synthetic(), project="p", extract_id="e", salt=SALT, out_dir=tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


def test_refuses_a_folder_in_use_and_bad_arguments(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "keep.txt").write_text("mine")
    with pytest.raises(FileExistsError):
        build_extract({}, project="p", extract_id="e", salt=SALT, out_dir=tmp_path / "x")
    assert (tmp_path / "x" / "keep.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="extract id"):
        build_extract({}, project="p", extract_id="../e", salt=SALT, out_dir=tmp_path / "y")
    with pytest.raises(ValueError, match="project"):
        build_extract({}, project=" ", extract_id="e", salt=SALT, out_dir=tmp_path / "y")
    # An empty folder is fine, and so is an empty pool: every file, no rows.
    (tmp_path / "empty").mkdir()
    m = build_extract({}, project="p", extract_id="e", salt=SALT, out_dir=tmp_path / "empty")
    assert m.total_rows == 0 and "outcomes.csv" in m.files


def test_zip_round_trip_and_unsafe_archives(extract: Path, tmp_path: Path) -> None:
    buffer = io.BytesIO()
    names = zip_folder(extract, buffer)
    buffer.seek(0)
    assert unpack(buffer, tmp_path / "copy") == names
    assert read_manifest(tmp_path / "copy") == read_manifest(extract).model_copy(
        update={"path": tmp_path / "copy"}
    )
    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("../escape.txt", "x")
    evil.seek(0)
    with pytest.raises(ValueError, match="unsafe"):
        unpack(evil, tmp_path / "evil")
    assert not (tmp_path / "evil").exists() and not (tmp_path / "escape.txt").exists()
    with pytest.raises(ValueError, match="not a zip"):
        unpack(io.BytesIO(b"not a zip"), tmp_path / "bad")


def test_formula_like_text_is_quoted_in_csv_and_raw_in_parquet(tmp_path: Path) -> None:
    tables = dict(synthetic())
    feedback = tables["feedback"]
    n = feedback.num_rows
    risky = ['=HYPERLINK("http://e.vil","x")', "+1 to this", "-felt better", "@team thanks"]
    texts = [risky[i % len(risky)] for i in range(n)]
    feedback = feedback.set_column(
        feedback.column_names.index("free_text"), "free_text", pa.array(texts, pa.string())
    )
    for name in ("consent_to_quote", "released_after_review"):
        feedback = feedback.set_column(
            feedback.column_names.index(name), name, pa.array([True] * n)
        )
    tables["feedback"] = feedback
    out = tmp_path / "x"
    build_extract(tables, project="study-1", extract_id="e2", salt=SALT, out_dir=out)
    raw = pq.read_table(out / "feedback.parquet").column("free_text").to_pylist()
    assert raw and set(raw) <= set(risky)  # Parquet: exactly as submitted
    as_csv = pacsv.read_csv(out / "feedback.csv").column("free_text").to_pylist()
    assert as_csv == ["'" + text for text in raw]  # CSV: opens as text in a spreadsheet
