"""Quality scores on small hand-made tables equal the values worked out by hand."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from peerbench.schema.arrow import arrow_schema
from peerbench.validators.gx_runner import SuiteRunner
from peerbench.validators.quality import (
    WEIGHTS,
    quality_profile,
    sample_indices,
    weighted_overall,
)
from peerbench.validators.report import FileSummary, Report

PHQ9_FULL = [1] * 9


@pytest.fixture(scope="module")
def runner() -> Iterator[SuiteRunner]:
    """One GX context for the whole module: building it is the slow part."""
    yield SuiteRunner()


def _key(i: int) -> str:
    return f"{i:032x}"


def _outcome(record_id: str, person: int, timepoint: str, **extra: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "record_id": record_id,
        "participant_key": _key(person),
        "service_id": "svc-1",
        "instrument": "PHQ9",
        "timepoint": timepoint,
        "date_administered": dt.date(2025, 1, 1),
        "items": PHQ9_FULL,
    }
    row.update(extra)
    return row


def _outcomes(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(rows, schema=arrow_schema("outcome"))


def _four_people() -> list[dict[str, Any]]:
    """Persons 1-3 followed up (on PHQ9), person 4 only at baseline; one item missing."""
    return [
        _outcome("a", 1, "baseline"),
        _outcome("b", 1, "end"),
        _outcome("c", 2, "baseline"),
        _outcome("d", 2, "month_3"),
        _outcome("e", 3, "baseline"),
        _outcome("f", 3, "end"),
        _outcome("g", 4, "baseline", items=[1, None, 1, 1, 1, 1, 1, 1, 1]),
    ]


def test_scores_equal_hand_computed_values(runner: SuiteRunner) -> None:
    profile = quality_profile({"outcomes": _outcomes(_four_people())}, runner=runner)
    # 3 of 4 participants with a baseline have a follow-up on the same instrument.
    assert profile.follow_up_coverage == 75.0
    # 7 rows: 6 required fields + items all filled (49 cells); instrument_version,
    # days_since_start, mode, total_score empty (28 cells); licensed_* not applicable.
    assert profile.completeness == pytest.approx(100 * 49 / 77)
    # Patterns of record_id, participant_key, service_id, instrument + timepoint codes.
    assert profile.validity == 100.0
    # One of 9 items missing on one of 7 forms.
    assert profile.item_missing == pytest.approx(100 * (1 / 9) / 7)
    expected = 0.4 * 100 * 49 / 77 + 0.4 * 100 + 0.2 * 75
    assert profile.overall == pytest.approx(expected)


def test_an_invalid_code_lowers_validity_by_one_check(runner: SuiteRunner) -> None:
    rows = _four_people()
    rows[0]["mode"] = "carrier_pigeon"
    profile = quality_profile({"outcome": _outcomes(rows)}, runner=runner)
    # 35 checks passed before; the mode value adds one check, which fails.
    assert profile.validity == pytest.approx(100 * 35 / 36)
    (mode,) = [
        e
        for e in profile.record_types["outcome"].expectations
        if e.column == "mode" and e.check == "code"
    ]
    assert (mode.success, mode.checked, mode.failed) == (False, 1, 1)


def test_report_errors_count_as_failed_validity_checks(runner: SuiteRunner) -> None:
    report = Report()
    report.add("code-invalid", rows=[2, 3], column="mode", values=["x", "y"])
    tables = {"outcome": _outcomes(_four_people())}
    profile = quality_profile(tables, runner=runner, report=report)
    assert profile.validity == pytest.approx(100 * 35 / 37)


def _summary(rows: int, **invalid_cells: int) -> FileSummary:
    summary = FileSummary("outcomes.csv", "outcome", "csv", rows=rows)
    summary.invalid_cells.update(invalid_cells)
    return summary


def test_a_nulled_invalid_value_is_complete_but_not_valid(runner: SuiteRunner) -> None:
    """The engine nulled an unreadable mode: a value was given, and it was not valid."""
    rows = _four_people()
    report = Report()
    report.files.append(_summary(len(rows), mode=1))
    report.add("code-invalid", rows=[2], column="mode", values=["carrier_pigeon"])
    profile = quality_profile({"outcome": _outcomes(rows)}, runner=runner, report=report)
    # Hand count: mode was filled on 1 of 7 rows -> 50 of 77 cells; 35 + 1 value checks.
    assert profile.completeness == pytest.approx(100 * 50 / 77)
    assert profile.validity == pytest.approx(100 * 35 / 36)
    outcome = profile.record_types["outcome"]
    assert (outcome.completeness, outcome.validity) == (profile.completeness, profile.validity)


def test_a_missing_value_lowers_completeness_only(runner: SuiteRunner) -> None:
    rows = _four_people()
    report = Report()
    report.files.append(_summary(len(rows)))
    report.add("required-missing", rows=[2], column="service_id")
    rows[0]["service_id"] = None
    profile = quality_profile({"outcome": _outcomes(rows)}, runner=runner, report=report)
    assert profile.completeness == pytest.approx(100 * 48 / 77)
    assert profile.validity == 100.0


def test_invalid_cells_are_scaled_to_the_rows_profiled(runner: SuiteRunner) -> None:
    """Half the file's rows were profiled, so half its invalid cells are counted."""
    rows = _four_people()
    report = Report()
    report.files.append(_summary(2 * len(rows), mode=2))
    profile = quality_profile({"outcome": _outcomes(rows)}, runner=runner, report=report)
    # One of the two invalid modes is expected among the profiled rows, as a null mode:
    # one failed value check (not two) and one mode cell put back as filled (not two).
    assert profile.validity == pytest.approx(100 * 35 / 36)
    assert profile.completeness == pytest.approx(100 * 50 / 77)


def test_rule_breaches_count_against_validity(runner: SuiteRunner) -> None:
    engagement = {
        "participant_key": _key(1),
        "service_id": "svc-1",
        "start_date": dt.date(2025, 3, 1),
        "end_reason": "completed",
        "end_date": dt.date(2025, 2, 1),
        "sessions_attended": 4,
        "sessions_offered": 3,
    }
    table = pa.Table.from_pylist([engagement], schema=arrow_schema("engagement"))
    profile = quality_profile({"engagements": table}, runner=runner)
    failed = {e.check for e in profile.record_types["engagement"].expectations if not e.success}
    assert {"rule:date-order", "rule:sessions-exceed-offered"} <= failed
    assert profile.follow_up_coverage is None


def test_no_baselines_means_no_follow_up_score(runner: SuiteRunner) -> None:
    rows = [_outcome("a", 1, "end"), _outcome("b", 2, "month_3")]
    profile = quality_profile({"outcome": _outcomes(rows)}, runner=runner)
    assert profile.follow_up_coverage is None
    assert profile.overall == pytest.approx(
        weighted_overall({"completeness": profile.completeness, "validity": profile.validity})
    )


def test_sampling_is_deterministic_for_a_seed(runner: SuiteRunner) -> None:
    first = sample_indices(1000, 50, seed=7)
    second = sample_indices(1000, 50, seed=7)
    assert first is not None and second is not None
    assert first.tolist() == second.tolist()
    other = sample_indices(1000, 50, seed=8)
    assert other is not None and first.tolist() != other.tolist()
    assert sample_indices(10, 50, seed=7) is None

    rows = [_outcome(f"r{i}", i, "baseline", mode="bogus" if i % 3 else None) for i in range(40)]
    tables = {"outcome": _outcomes(rows)}
    a = quality_profile(tables, sample_rows=10, seed=3, runner=runner)
    b = quality_profile(tables, sample_rows=10, seed=3, runner=runner)
    assert a.to_dict() == b.to_dict()
    assert a.sampled and a.record_types["outcome"].rows_profiled == 10


def test_to_dict_is_json_ready(runner: SuiteRunner) -> None:
    data = quality_profile({"outcomes": _outcomes(_four_people())}, runner=runner).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["score"]["follow_up_coverage"] == 75.0
    assert data["score"]["weights"] == WEIGHTS
    assert data["sample"] == {"rows": 100_000, "seed": 0, "sampled": False}


def test_overall_renormalises_over_existing_scores() -> None:
    scores = {"completeness": 80.0, "validity": 90.0, "follow_up_coverage": None}
    assert weighted_overall(scores) == pytest.approx(85.0)
    assert weighted_overall(dict.fromkeys(WEIGHTS)) is None


def test_unknown_table_name_is_refused(runner: SuiteRunner) -> None:
    with pytest.raises(ValueError, match="unknown record type"):
        quality_profile({"people": _outcomes([])}, runner=runner)


def test_importing_quality_does_not_load_great_expectations() -> None:
    code = "import sys, peerbench.validators.quality; print('great_expectations' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False"


def test_a_warm_profile_loads_neither_pydantic_nor_pandas(
    runner: SuiteRunner, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Once GX's results are cached, ``validate`` with the profile costs little more than
    without it: no pydantic models, no pandas (together ~1 s of a one-shot process)."""
    import pyarrow.parquet as pq

    from peerbench.io.content_cache import ContentCache
    from peerbench.validators import gx_runner, quality

    data = tmp_path / "data"
    data.mkdir()
    pq.write_table(_outcomes(_four_people()), data / "outcomes.parquet")
    cache = tmp_path / "cache"
    warm = SuiteRunner(cache=ContentCache(cache))
    monkeypatch.setattr(warm, "_run", runner._run)  # the module's GX context fills the cache
    monkeypatch.setattr(gx_runner, "SuiteRunner", lambda: warm)
    expected = quality.validate_with_quality([data]).extras["quality"]
    assert warm.cache.enabled and list(cache.rglob("*.json"))
    code = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from peerbench.validators.quality import validate_with_quality\n"
        f"report = validate_with_quality([Path({str(data)!r})])\n"
        "loaded = sorted(m for m in ('pydantic', 'pandas') if m in sys.modules)\n"
        "print(json.dumps([loaded, report.extras['quality']]))\n"
    )
    env = {**os.environ, "PEERBENCH_CACHE_DIR": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    loaded, profile = json.loads(out.stdout)
    assert loaded == []
    assert profile == json.loads(json.dumps(expected))
