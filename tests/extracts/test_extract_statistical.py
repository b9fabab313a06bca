"""Stata and SPSS copies of an extract: values, variable labels and value labels survive.

Each ``.dta``/``.sav`` file is read back with pyreadstat and compared, cell by cell,
with the same rows in the extract's Parquet file (flattened as in the CSV).
"""

from __future__ import annotations

import datetime as dt
import math
import stat
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pyreadstat
import pytest
from click.testing import CliRunner

from peerbench.cli.main import cli
from peerbench.extracts import build_extract
from peerbench.extracts.consent import EXTRACTED
from peerbench.extracts.datapackage import table_schema
from peerbench.extracts.statistical import codelists, parse_formats, spss_name
from peerbench.io.tabular import to_flat
from peerbench.schema.codelists import Sex
from peerbench.schema.records import RECORD_TYPES
from peerbench.synth import SynthConfig, generate


@cache
def synthetic() -> dict[str, pa.Table]:
    return dict(generate(SynthConfig(organisations=2, outcome_rows=300, seed=9)).tables)


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("stat") / "x"
    build_extract(
        synthetic(),
        project="study-1",
        extract_id="S-1",
        salt=b"s" * 32,
        out_dir=out,
        also=("dta", "sav"),
    )
    return out


def _same(expected: Any, got: Any) -> bool:
    if expected is None:
        return got in ("", None) or (isinstance(got, float) and math.isnan(got))
    if isinstance(expected, bool):
        return float(got) == float(expected)
    if isinstance(expected, int | float):
        return float(got) == float(expected)
    if isinstance(expected, dt.date):
        return bool(got == expected)
    return bool(got == expected)


def _flat(extract: Path, stem: str) -> pa.Table:
    return to_flat(pq.read_table(extract / f"{stem}.parquet"))


@pytest.mark.parametrize("record_type", list(EXTRACTED))
def test_spss_keeps_values_and_labels(extract: Path, record_type: str) -> None:
    stem = RECORD_TYPES[record_type].file_stem
    flat = _flat(extract, stem)
    frame, meta = pyreadstat.read_sav(str(extract / f"{stem}.sav"))
    assert list(frame.columns) == [spss_name(c) for c in flat.column_names]
    assert len(frame) == flat.num_rows
    fields = table_schema(record_type, flat.column_names, flat=True)["fields"]
    lists = codelists(record_type)
    for field in fields:
        name, target = field["name"], spss_name(field["name"])
        assert str(meta.column_names_to_labels[target]).startswith(field["description"][:60])
        got = frame[target].tolist()
        for expected, value in zip(flat.column(name).to_pylist(), got, strict=True):
            assert _same(expected, value), (stem, name, expected, value)
        if name in lists:
            labels: dict[Any, str] = meta.variable_value_labels[target]
            assert labels == {m.value: m.label for m in lists[name]}


@pytest.mark.parametrize("record_type", list(EXTRACTED))
def test_stata_codes_decode_through_value_labels(extract: Path, record_type: str) -> None:
    stem = RECORD_TYPES[record_type].file_stem
    flat = _flat(extract, stem)
    frame, meta = pyreadstat.read_dta(str(extract / f"{stem}.dta"))
    assert list(frame.columns) == flat.column_names and len(frame) == flat.num_rows
    lists = codelists(record_type)
    for name in flat.column_names:
        expected = flat.column(name).to_pylist()
        got = frame[name].tolist()
        if name in lists:
            labels = meta.variable_value_labels[name]
            codes = lists[name].codes()
            assert labels == {i: lists[name](c).label for i, c in enumerate(codes, start=1)}
            decoded = [None if math.isnan(v) else codes[int(v) - 1] for v in got]
            assert decoded == expected, (stem, name)
        else:
            assert all(_same(e, g) for e, g in zip(expected, got, strict=True)), (stem, name)
        assert len(str(meta.column_names_to_labels[name])) <= 80


def test_labels_are_the_code_lists(extract: Path) -> None:
    _, meta = pyreadstat.read_dta(str(extract / "participants.dta"), metadataonly=True)
    assert set(meta.variable_value_labels["sex"].values()) == {m.label for m in Sex}
    assert meta.variable_value_labels["consent_research"] == {0: "no", 1: "yes"}
    assert meta.column_names_to_labels["sex"] == "Sex as the participant gives it."
    _, sav = pyreadstat.read_sav(str(extract / "participants.sav"), metadataonly=True)
    sex: dict[Any, str] = sav.variable_value_labels["sex"]
    assert sex == {m.value: m.label for m in Sex}
    assert "src_period" in sav.column_names and "_period" in meta.column_names


def test_files_are_private_and_documented(extract: Path) -> None:
    for path in list(extract.glob("*.dta")) + list(extract.glob("*.sav")):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert len(list(extract.glob("*.dta"))) == len(EXTRACTED)
    readme = (extract / "README.md").read_text(encoding="utf-8")
    assert "## Stata and SPSS" in readme and "value labels" in readme


def test_empty_record_types_still_get_files(tmp_path: Path) -> None:
    tables = {k: v for k, v in synthetic().items() if k != "feedback"}
    out = tmp_path / "x"
    build_extract(tables, project="p", extract_id="S-2", salt=b"s" * 32, out_dir=out, also=("sav",))
    frame, _ = pyreadstat.read_sav(str(out / "feedback.sav"))
    assert len(frame) == 0 and not list(out.glob("*.dta"))


def test_parse_formats() -> None:
    assert parse_formats("sav, .DTA") == ("dta", "sav")
    assert parse_formats("") == ()
    with pytest.raises(ValueError, match="unknown format xlsx"):
        parse_formats("dta,xlsx")


def test_download_also_option(tmp_path: Path) -> None:
    from peerbench.io.tabular import FileFormat
    from peerbench.synth import write_dataset

    source = tmp_path / "source"
    write_dataset(generate(SynthConfig(organisations=1, outcome_rows=60, seed=2)), source,
                  FileFormat.CSV)  # fmt: skip
    out = tmp_path / "extract"
    runner = CliRunner()
    done = runner.invoke(cli, ["download", "--store", str(source), "--out", str(out),
                               "--also", "sav", "--format", "json"])  # fmt: skip
    assert done.exit_code == 0, done.output
    assert (out / "outcomes.sav").exists() and not (out / "outcomes.dta").exists()
    bad = runner.invoke(cli, ["download", "--store", str(source), "--out", str(tmp_path / "y"),
                              "--also", "xlsx"])  # fmt: skip
    assert bad.exit_code == 2 and "unknown format xlsx" in bad.output
