"""Re-keying: per-extract pseudonyms that link within an extract and never across two."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from peerbench.extracts import build_extract
from peerbench.extracts.rekey import extract_secret, rekey
from peerbench.extracts.secret import SECRET_FILE_NAME, server_secret
from peerbench.schema.pseudonym import participant_key
from peerbench.synth import SynthConfig, generate

SALT = b"k" * 32
HEX32 = re.compile(r"^[0-9a-f]{32}$")


@cache
def synthetic() -> dict[str, pa.Table]:
    return dict(generate(SynthConfig(organisations=2, outcome_rows=400, seed=3)).tables)


def _column(folder: Path, stem: str, name: str) -> set[str]:
    return {v for v in pq.read_table(folder / f"{stem}.parquet").column(name).to_pylist() if v}


def test_two_extracts_cannot_be_joined(tmp_path: Path) -> None:
    a = build_extract(synthetic(), project="p", extract_id="a", salt=SALT, out_dir=tmp_path / "a")
    b = build_extract(synthetic(), project="p", extract_id="b", salt=SALT, out_dir=tmp_path / "b")
    for stem, name in [
        ("participants", "participant_key"),
        ("engagements", "participant_key"),
        ("outcomes", "participant_key"),
        ("outcomes", "record_id"),
        ("feedback", "feedback_id"),
    ]:
        left, right = _column(a.path, stem, name), _column(b.path, stem, name)
        assert left and right, (stem, name)
        assert not left & right, (stem, name)
    # Same rows, different keys: the structure is identical, the identifiers are not.
    assert a.row_counts == b.row_counts


def test_keys_still_link_within_an_extract(tmp_path: Path) -> None:
    m = build_extract(synthetic(), project="p", extract_id="a", salt=SALT, out_dir=tmp_path / "a")
    people = _column(m.path, "participants", "participant_key")
    assert all(HEX32.match(k) for k in people)
    for stem in ("engagements", "outcomes", "service_use"):
        assert _column(m.path, stem, "participant_key") <= people, stem


def test_no_raw_key_or_record_id_anywhere_in_the_output(tmp_path: Path) -> None:
    tables = synthetic()
    raw = set(tables["participant"].column("participant_key").to_pylist())
    raw |= set(tables["outcome"].column("record_id").to_pylist())
    m = build_extract(tables, project="p", extract_id="a", salt=SALT, out_dir=tmp_path / "a")
    for path in m.path.iterdir():
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            values = {
                str(v)
                for column in table.columns
                if pa.types.is_string(column.type)
                for v in column.to_pylist()
            }
            assert not raw & values, path.name
        else:
            text = path.read_text(encoding="utf-8")
            assert not any(key in text for key in raw), path.name


def test_rekeying_follows_the_documented_formula() -> None:
    old = "0123456789abcdef0123456789abcdef"
    table = pa.table({"participant_key": [old, None, old]})
    secret = extract_secret(SALT, "ext-1")
    out = rekey(table, "participant", secret).column("participant_key").to_pylist()
    assert out == [participant_key(old, secret), None, participant_key(old, secret)]
    assert extract_secret(SALT, "ext-1") == secret  # same id and secret: repeatable
    assert extract_secret(SALT, "ext-2") != secret
    assert extract_secret(b"x" * 32, "ext-1") != secret


def test_short_salt_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 16 bytes"):
        extract_secret(b"short", "e")


def test_server_secret_is_made_once_and_kept_private(tmp_path: Path) -> None:
    first = server_secret(tmp_path / "data")
    path = tmp_path / "data" / SECRET_FILE_NAME
    assert len(first) == 32 and path.stat().st_mode & 0o777 == 0o600
    assert server_secret(tmp_path / "data") == first
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [SECRET_FILE_NAME]
