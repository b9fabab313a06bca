"""``peerbench convert``: valid → canonical Parquet; invalid → exit 1 and no file."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
from click.testing import CliRunner, Result

from peerbench.cli.convert import convert
from peerbench.schema.arrow import arrow_schema
from peerbench.schema.version import PARQUET_VERSION_KEY, STANDARD_VERSION

HEADER = "organisation_id,name,organisation_type,region\n"
VALID = HEADER + "mind-leeds,Leeds Peer Network,Charity,london\nyork-peers,York Peers,cic,wales\n"
INVALID = HEADER + "mind-leeds,Leeds Peer Network,banana,london\n"


def _source(tmp_path: Path, text: str, name: str = "organisations.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(convert, [str(a) for a in args])


def test_valid_file_becomes_canonical_parquet(tmp_path: Path) -> None:
    out = tmp_path / "organisations.parquet"
    result = _run(_source(tmp_path, VALID), "--out", out)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert "2 organisation rows written" in result.stderr
    schema = pq.read_schema(out)
    assert schema.equals(arrow_schema("organisation"), check_metadata=True)
    assert schema.metadata[PARQUET_VERSION_KEY] == STANDARD_VERSION.encode()
    table = pq.read_table(out)
    # Labels and synonyms are stored as their codes.
    assert table.column("organisation_type").to_pylist() == ["charity", "social_enterprise"]


def test_record_type_and_mapping(tmp_path: Path) -> None:
    source = _source(tmp_path, "Org,Name,Type,Region\nmind-leeds,Leeds,charity,london\n", "x.csv")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "columns:\n  Org: organisation_id\n  Name: name\n  Type: organisation_type\n"
        "  Region: region\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.parquet"
    result = _run(source, "--out", out, "--record-type", "organisations", "--mapping", mapping)
    assert result.exit_code == 0, result.output
    assert pq.read_table(out).column("organisation_id").to_pylist() == ["mind-leeds"]


def test_invalid_file_writes_nothing_and_exits_1(tmp_path: Path) -> None:
    out = tmp_path / "organisations.parquet"
    result = _run(_source(tmp_path, INVALID), "--out", out)
    assert result.exit_code == 1
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "organisations.csv"]  # no temp files left
    assert "NOT VALID" in result.stderr and "banana" in result.stderr
    assert result.stdout == ""


def test_usage_errors(tmp_path: Path) -> None:
    source = _source(tmp_path, VALID)
    assert _run(source).exit_code == 2
    assert _run(source, "--out", tmp_path / "out.csv").exit_code == 2
    assert _run(tmp_path / "missing.csv", "--out", tmp_path / "o.parquet").exit_code == 2
    assert _run(source, "--out", tmp_path / "o.parquet", "--record-type", "x").exit_code == 2


def test_help_has_example() -> None:
    assert "Example:" in CliRunner().invoke(convert, ["--help"]).output
