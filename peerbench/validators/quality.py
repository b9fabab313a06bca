"""Data-quality profile of a submission, in the spirit of the NHS Data Quality Maturity Index.

The profile runs the Great Expectations suites generated from the standard
(:mod:`peerbench.validators.gx_suite`) on canonical tables and turns their results into
scores from 0 to 100. GX is slow at scale, so it never sees more than ``sample_rows``
rows of a table: larger tables are sampled (uniformly, without replacement, with
``numpy.random.default_rng(seed)``; the same seed gives the same rows). Row-by-row
validation of whole files is the columnar engine's job, not this module's.

Definitions (per record type *t*; E_t(d) = the suite's expectations of dimension *d*):

* For a row-level expectation *e*: ``checked(e)`` = rows it assesses (rows matching its
  ``row_condition``, minus rows GX skips as missing for value checks) and ``failed(e)``
  = rows breaking it.
* **Completeness** (DQMI "completeness") over the required fields and the optional core
  and standard fields (extended fields and fields whose presence a rule governs are
  left out; ``items``/``licensed_*`` count only for the instruments that need them)::

      completeness_t = 100 × Σ_e∈E_t(completeness) (checked − failed) / Σ checked(e)

  i.e. the share of applicable core+standard cells that are filled.
* **Validity** (DQMI "validity"): every code-list, range, pattern, length and cross-field
  rule expectation, on the values present::

      validity_t = 100 × Σ_e∈E_t(validity) (checked − failed) / Σ checked(e)

  i.e. the share of value checks that pass (a value checked twice counts twice).
* **Follow-up coverage**: participants = distinct ``(participant_key, service_id)`` with
  at least one baseline outcome (computed on the full table, before sampling)::

      follow_up_coverage = 100 × (participants with a baseline who also have a
                            non-baseline measure of an instrument they had a baseline on)
                          / (participants with a baseline)

* **Item missingness** (reported, not scored): mean over outcome forms of
  ``missing items ÷ the instrument's item count`` (licensed instruments excluded), in %.

When the tables come from the validation engine (``validate(..., collect=True)``), a
cell whose value could not be used (a type, code, pattern, range or date finding) has
been nulled, so GX would count it as missing and never check it. Pass the run's
``report``: per record type and column, its count of such cells (``n``, over every row
of the files) is scaled to the rows profiled (``s = rows profiled ÷ rows``) and put back::

    completeness passed += min(s × n, cells GX found missing in that column)
    validity checked    += s × n        (failed checks GX could not see)

Other findings need no correction: missing values are already missing for GX, and the
values behind rule breaches are still there for GX's own rule expectations.

Submission scores pool the counts over record types (Σ over *t* in numerator and
denominator), so each score is a share of cells or checks in the whole submission. A
score with nothing to assess is ``None``. The overall score is the weighted mean of
the scores that exist, the weights renormalised over them::

    overall = Σ w_d × score_d / Σ w_d,   w = completeness 0.4, validity 0.4,
                                             follow_up_coverage 0.2

Follow-up weighs least because it also reflects timing (people still in support have
no follow-up yet), not only recording practice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from peerbench.io.tabular import conform
from peerbench.schema.record_table import RECORDS
from peerbench.validators.catalogue import NULLED_CODES
from peerbench.validators.limits import DEFAULT_LIMITS, Limits
from peerbench.validators.quality_cells import with_invalid_cells
from peerbench.validators.report import DEFAULT_MAX_FINDINGS

# The record types come from the generated plain-data table, not the pydantic models, and
# the mapping model is a type only: a warm profile (GX answered from the result cache)
# then loads no pydantic at all (~0.5 s of ``peerbench validate``'s start).
if TYPE_CHECKING:
    from peerbench.validators.gx_runner import ExpectationResult, SuiteRunner
    from peerbench.validators.mapping import Mapping as ValueMapping
    from peerbench.validators.report import Report

DEFAULT_SAMPLE_ROWS = 100_000
WEIGHTS: dict[str, float] = {"completeness": 0.4, "validity": 0.4, "follow_up_coverage": 0.2}
"""Weights of the overall score (see the module docstring)."""


@dataclass(frozen=True)
class RecordTypeQuality:
    """The profile of one record type's table.

    Attributes:
        record_type: The record type.
        rows: Rows in the table.
        rows_profiled: Rows GX checked (``rows`` or the sample size).
        expectations: One result per expectation of the suite, in suite order.
        completeness_counts: (passed, checked) behind :attr:`completeness`.
        validity_counts: (passed, checked) behind :attr:`validity`.
    """

    record_type: str
    rows: int
    rows_profiled: int
    expectations: list[ExpectationResult] = field(default_factory=list)
    completeness_counts: tuple[float, float] = (0.0, 0.0)
    validity_counts: tuple[float, float] = (0.0, 0.0)

    @property
    def completeness(self) -> float | None:
        """Completeness score 0–100, None if nothing to assess."""
        return _percent(*self.completeness_counts)

    @property
    def validity(self) -> float | None:
        """Validity score 0–100, None if nothing to assess."""
        return _percent(*self.validity_counts)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "rows": self.rows,
            "rows_profiled": self.rows_profiled,
            "completeness": _round(self.completeness),
            "validity": _round(self.validity),
            "expectations": [
                {k: _round(v) if isinstance(v, float) else v for k, v in asdict(e).items()}
                for e in self.expectations
            ],
        }


@dataclass(frozen=True)
class QualityProfile:
    """A submission's data-quality scores and the expectation results behind them.

    Attributes:
        completeness: Submission completeness 0–100 (None if nothing to assess).
        validity: Submission validity 0–100.
        follow_up_coverage: Share of participants with a baseline who have a follow-up.
        item_missing: Mean share of missing items per outcome form, in % (not scored).
        overall: Weighted mean of the three scores (weights in :data:`WEIGHTS`).
        record_types: Per record type profiles, in the standard's order.
        sample_rows: Most rows checked per table.
        seed: Seed of the row sample.
    """

    completeness: float | None
    validity: float | None
    follow_up_coverage: float | None
    item_missing: float | None
    overall: float | None
    record_types: dict[str, RecordTypeQuality]
    sample_rows: int
    seed: int

    @property
    def sampled(self) -> bool:
        """True when any table was larger than the sample, so scores are estimates."""
        return any(r.rows_profiled < r.rows for r in self.record_types.values())

    def to_dict(self) -> dict[str, Any]:
        """The JSON form stored in ``report.extras["quality"]``."""
        return {
            "score": {
                "overall": _round(self.overall),
                "completeness": _round(self.completeness),
                "validity": _round(self.validity),
                "follow_up_coverage": _round(self.follow_up_coverage),
                "weights": dict(WEIGHTS),
            },
            "item_missing_percent": _round(self.item_missing),
            "sample": {"rows": self.sample_rows, "seed": self.seed, "sampled": self.sampled},
            "record_types": {k: v.to_dict() for k, v in self.record_types.items()},
        }


def _round(value: Any) -> Any:
    return round(value, 2) if isinstance(value, float) else value


def _share(results: Iterable[ExpectationResult]) -> tuple[float, float]:
    """(passed, checked) summed over row-level results."""
    passed = checked = 0.0
    for r in results:
        if r.checked is not None and r.failed is not None:
            checked += r.checked
            passed += r.checked - r.failed
    return passed, checked


def _percent(passed: float, checked: float) -> float | None:
    return 100.0 * passed / checked if checked else None


def weighted_overall(scores: Mapping[str, float | None]) -> float | None:
    """The weighted mean of the scores that exist, weights from :data:`WEIGHTS`."""
    present = {k: v for k, v in scores.items() if v is not None and k in WEIGHTS}
    total = sum(WEIGHTS[k] for k in present)
    if not total:
        return None
    return sum(WEIGHTS[k] * v for k, v in present.items()) / total


def sample_indices(rows: int, sample_rows: int, seed: int) -> np.ndarray[Any, Any] | None:
    """Sorted row positions of the sample, or None when the table is small enough."""
    if rows <= sample_rows:
        return None
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(rows, size=sample_rows, replace=False))


def _record_type(key: str) -> str:
    if key in RECORDS:
        return key
    for info in RECORDS.values():
        if info.file_stem == key:
            return info.record_type
    raise ValueError(f"unknown record type or file stem: {key!r}")


def _canonical(table: pa.Table, record_type: str) -> pa.Table:
    names = [f.name for f in conform(table.slice(0, 0), record_type).schema]
    return table if table.column_names[: len(names)] == names else conform(table, record_type)


def profile_table(
    table: pa.Table,
    record_type: str,
    runner: SuiteRunner,
    *,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    seed: int = 0,
) -> RecordTypeQuality:
    """Profile one canonical table (sampled when larger than ``sample_rows``)."""
    from peerbench.validators.gx_view import FOLLOW_UP_COLUMN, follow_up_flags, gx_view

    table = _canonical(table, record_type)
    rows = table.num_rows
    if rows == 0:
        return RecordTypeQuality(record_type, 0, 0)
    if record_type == "outcome":
        # Participants' baselines and follow-ups would be split by a row sample, so the
        # flags come from every row first and are then sampled with the rest.
        table = table.append_column(FOLLOW_UP_COLUMN, follow_up_flags(table))
    positions = sample_indices(rows, sample_rows, seed)
    if positions is not None:
        table = table.take(pa.array(positions))
    results = runner.run(gx_view(table, record_type), record_type)
    return RecordTypeQuality(
        record_type=record_type,
        rows=rows,
        rows_profiled=table.num_rows,
        expectations=results,
        completeness_counts=_share(r for r in results if r.dimension == "completeness"),
        validity_counts=_share(r for r in results if r.dimension == "validity"),
    )


def _pooled(counts: Iterable[tuple[float, float]]) -> tuple[float, float]:
    """(passed, checked) summed over record types."""
    pairs = list(counts)
    return sum(p for p, _ in pairs), sum(c for _, c in pairs)


def quality_profile(
    tables: Mapping[str, pa.Table],
    *,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    seed: int = 0,
    runner: SuiteRunner | None = None,
    report: Report | None = None,
) -> QualityProfile:
    """Score a submission's data quality (formulas in the module docstring).

    Args:
        tables: Canonical tables keyed by record type (``outcome``) or file stem
            (``outcomes``).
        sample_rows: Most rows of each table given to Great Expectations.
        seed: Seed of the row sample; the same seed picks the same rows.
        runner: A GX runner to reuse (building one takes a moment); a new one if None.
        report: The validation report of the run that produced ``tables``, whose error
            findings count as failed validity checks (the engine nulls those cells).

    Returns:
        The profile; ``profile.to_dict()`` is what goes into ``report.extras["quality"]``.

    Example:
        >>> profile = quality_profile({"outcomes": outcomes_table})  # doctest: +SKIP
        >>> report.extras["quality"] = profile.to_dict()  # doctest: +SKIP
    """
    if sample_rows < 1:
        raise ValueError("sample_rows must be at least 1")
    if runner is None:
        from peerbench.validators.gx_runner import SuiteRunner

        runner = SuiteRunner()
    by_type = {_record_type(k): v for k, v in tables.items()}
    profiles = {
        rt: profile_table(by_type[rt], rt, runner, sample_rows=sample_rows, seed=seed)
        for rt in RECORDS
        if rt in by_type
    }
    return assemble_profile(profiles, sample_rows=sample_rows, seed=seed, report=report)


def assemble_profile(
    profiles: Mapping[str, RecordTypeQuality],
    *,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    seed: int = 0,
    report: Report | None = None,
) -> QualityProfile:
    """The submission's profile from its record types' profiles (as GX counted them).

    :func:`quality_profile` ends here; so do profiles summed from recorded figures
    (:mod:`peerbench.reports.builders.quality_figures`), so both score alike.
    """
    profiles = {
        rt: p if report is None else with_invalid_cells(p, report) for rt, p in profiles.items()
    }
    results = [e for p in profiles.values() for e in p.expectations]
    completeness = _pooled(p.completeness_counts for p in profiles.values())
    validity = _pooled(p.validity_counts for p in profiles.values())
    if report is not None and not any(f.record_type for f in report.files):
        # A report without file summaries cannot say where its invalid cells were:
        # they still count as failed validity checks.
        validity = (validity[0], validity[1] + sum(report.by_code[c] for c in NULLED_CODES))
    scores = {
        "completeness": _percent(*completeness),
        "validity": _percent(*validity),
        "follow_up_coverage": _percent(*_share(e for e in results if e.dimension == "coverage")),
    }
    items = [e.observed for e in results if e.dimension == "items"]
    return QualityProfile(
        completeness=scores["completeness"],
        validity=scores["validity"],
        follow_up_coverage=scores["follow_up_coverage"],
        item_missing=items[0] if items else None,
        overall=weighted_overall(scores),
        record_types=profiles,
        sample_rows=sample_rows,
        seed=seed,
    )


def validate_with_quality(
    paths: Sequence[Path],
    *,
    record_type: str | None = None,
    mapping: ValueMapping | None = None,
    max_findings: int = DEFAULT_MAX_FINDINGS,
    today: dt.date | None = None,
    sample_rows: int = DEFAULT_SAMPLE_ROWS,
    limits: Limits = DEFAULT_LIMITS,
) -> Report:
    """Validate ``paths`` and add the data-quality profile as ``report.extras["quality"]``.

    Row validation runs on the columnar engine over every row; Great Expectations sees
    only a bounded sample of canonical rows, whole participants at a time, so it is never
    on the hot path and memory stays bounded however large the files are.
    """
    from peerbench.runtime import arrow_without_pandas
    from peerbench.validators.engine import validate_sample

    # pyarrow would load pandas (~0.5 s) just to probe values for pandas objects; a
    # profile answered from the result cache never needs it, and GX's ``to_pandas``
    # still loads it when GX has to run (a no-op where pandas is already loaded).
    arrow_without_pandas()
    result = validate_sample(
        paths,
        sample_rows=sample_rows,
        record_type=record_type,
        mapping=mapping,
        max_findings=max_findings,
        today=today,
        limits=limits,
    )
    if result.tables:
        profile = quality_profile(result.tables, sample_rows=sample_rows, report=result.report)
        result.report.extras["quality"] = profile.to_dict()
    return result.report
