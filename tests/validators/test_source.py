"""``peerbench.validators.source``: findings of a generated file at the user's own rows."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np
import pytest

from peerbench.validators import engine
from peerbench.validators.readers import open_sources
from peerbench.validators.source import RowOrigins
from tests.factories import example_record

TODAY = dt.date(2026, 6, 30)


def _participants(path: Path) -> Path:
    base = example_record("participant", required_only=True)
    rows = [
        {**base, "participant_key": "a" * 32},
        {**base, "participant_key": "b" * 32, "sex": "not-a-code"},
        {**base, "participant_key": "a" * 32},  # the same person again
    ]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(base))
        writer.writeheader()
        writer.writerows(rows)
    return path


ORIGINS = RowOrigins(
    names=("clients.xlsx#Clients", "late joiners.csv"),
    name_index=np.array([0, 0, 1], dtype=np.int32),
    rows=np.array([5, 9, 4], dtype=np.int64),
)


def _findings(path: Path, origins: RowOrigins | None) -> list[tuple[str, str | None, int | None]]:
    # One-row batches: findings of every batch and of the cross-record checks go through.
    sources = open_sources(path, batch_rows=1)
    for source in sources:
        source.origins = origins
    report = engine.validate_sources(sources, engine.Options(today=TODAY)).report
    return sorted((f.code, f.file, f.row) for f in report.findings if f.row is not None)


def test_findings_of_a_generated_file_name_the_original_rows(tmp_path: Path) -> None:
    path = _participants(tmp_path / "participants.csv")
    # A code check on one batch, and a cross-record check over all of them.
    assert _findings(path, None) == [
        ("code-invalid", str(path), 3),
        ("duplicate-key", str(path), 4),
    ]
    assert _findings(path, ORIGINS) == [
        ("code-invalid", "clients.xlsx#Clients", 9),
        ("duplicate-key", "late joiners.csv", 4),
    ]


def test_origins_need_one_entry_per_row() -> None:
    with pytest.raises(ValueError, match="one entry per data row"):
        RowOrigins(("a.csv",), np.zeros(2, dtype=np.int32), np.zeros(3, dtype=np.int64))
