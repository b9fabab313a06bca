"""Re-checking the pool sees only what was submitted (issue 11, problem 9).

The pooled files carry the server's bookkeeping columns; the quality report must never
validate them: a submission id whose digits pass the NHS-number checksum used to make
every row of its submission "hold a personal identifier", and every pool listed the
four columns as "not in the standard".
"""

from __future__ import annotations

import datetime as dt
import itertools
import types
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from peerbench.reports.builders.inputs import pool_report_data
from peerbench.server import submissions
from peerbench.server.pool_view import submitted_files, submitted_table
from peerbench.validators.engine import validate
from peerbench.validators.identifiers import valid_nhs_numbers
from tests.api.harness import running_server, synth_slices

pytestmark = pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")

NHS_NUMBER = "9434765919"
"""A valid NHS number (the check digit passes): NHS Digital's own test number."""
AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Per-organisation folders of a small valid synthetic dataset."""
    return synth_slices(tmp_path_factory.mktemp("synth"))


def _hostile_ids() -> types.SimpleNamespace:
    """A stand-in for :mod:`uuid` whose ``uuid4().hex`` always holds a valid NHS number."""
    counter = itertools.count(1)

    def uuid4() -> types.SimpleNamespace:
        return types.SimpleNamespace(hex=f"abcd{NHS_NUMBER}ef{next(counter):016x}")

    return types.SimpleNamespace(uuid4=uuid4)


def test_the_forced_id_holds_a_valid_nhs_number() -> None:
    digits = np.array([[int(c) for c in NHS_NUMBER]], dtype=np.int64)
    assert valid_nhs_numbers(digits).tolist() == [True]


def _codes(report_counts: Counter[str]) -> dict[str, int]:
    return dict(sorted(report_counts.items()))


def test_findings_depend_only_on_what_was_submitted(
    slices: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(submissions, "uuid", _hostile_ids())
    orgs = sorted(slices)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "data", orgs) as server:
        ids = server.submit_all(slices)
        assert all(NHS_NUMBER in i for i in ids.values())  # the forced ids were used
        store, db = server.context.store, server.context.db
        with db.session() as session:
            data = pool_report_data(store, session, as_of=AS_OF)
            outcomes = submitted_table(store, session, "outcome")
            with submitted_files(store, session) as files:
                names = sorted(p.name for p in files)
                columns = {p.name: pq.read_schema(p).names for p in files}
    codes = _codes(data.validation.by_code)
    assert "identifier-detected" not in codes
    assert "column-unknown" not in codes
    assert not any(c.startswith("_") for c in outcomes.column_names)
    assert not any(c.startswith("_") for names_ in columns.values() for c in names_)
    assert "outcomes.parquet" in names
    # The same findings as checking the organisations' own files together.
    direct = validate([slices[o] for o in orgs], today=AS_OF)
    assert codes == _codes(direct.by_code)


def test_a_record_sent_again_is_checked_once(slices: dict[str, Path], tmp_path: Path) -> None:
    """A cumulative resubmission for a later quarter is no duplicate in the re-check."""
    orgs = sorted(slices)
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with running_server(url, tmp_path / "data", orgs) as server:
        server.submit_all(slices)
        store, db = server.context.store, server.context.db
        with db.session() as session:
            once = pool_report_data(store, session, as_of=AS_OF)
        server.submit_all(slices, period="2026-Q4")
        with db.session() as session:
            twice = pool_report_data(store, session, as_of=AS_OF)
            pooled = store.read_current(session, "outcome").num_rows
    assert pooled == 2 * once.tables["outcome"].num_rows  # stored twice ...
    assert twice.tables["outcome"].num_rows == once.tables["outcome"].num_rows  # ... seen once
    assert _codes(twice.validation.by_code) == _codes(once.validation.by_code)
    assert "duplicate-key" not in twice.validation.by_code
