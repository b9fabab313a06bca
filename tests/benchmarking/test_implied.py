"""The implication map: every published number is declared, and withheld with its count."""

from __future__ import annotations

import dataclasses
import typing

from peerbench.benchmarking import BenchmarkResult, controlled
from peerbench.benchmarking.implied import (
    COUNTS,
    IMPLIES,
    PRECISION,
    hide_implied,
    mean_decimals,
    rounded,
)
from peerbench.benchmarking.result import SECTIONS
from peerbench.benchmarking.rows import OutcomeRow
from peerbench.disclosure import DisclosurePolicy

_NUMBERS = {int, float}
_NOT_FIGURES = {"suppressed"}  # the reasons, not a published figure


def _numeric(hint: typing.Any) -> bool:
    args = set(typing.get_args(hint)) or {hint}
    return bool(args & _NUMBERS)


def test_every_published_number_is_declared() -> None:
    for section, row_type in SECTIONS.items():
        hints = typing.get_type_hints(row_type)
        declared = {*IMPLIES.get(section, {}), *COUNTS.get(section, ())}
        for field in dataclasses.fields(row_type):
            if field.name in row_type.KEY or field.name in _NOT_FIGURES:
                continue
            if _numeric(hints[field.name]):
                assert field.name in declared, f"{section}.{field.name} is not in IMPLIES/COUNTS"


def test_declared_counts_are_fields_of_their_rows() -> None:
    for section, fields in IMPLIES.items():
        names = {f.name for f in dataclasses.fields(SECTIONS[section])}
        for field, counts in fields.items():
            assert field.split(".")[0] in names, (section, field)
            assert set(counts) <= set(COUNTS.get(section, ())), (section, field, counts)
    for section, decimals in PRECISION.items():
        names = {f.name for f in dataclasses.fields(SECTIONS[section])}
        assert set(decimals) <= names, section


def _row(**values: object) -> OutcomeRow:
    return OutcomeRow(instrument="PHQ9", period="all", timepoint="end", service_id="s", **values)  # type: ignore[arg-type]


def test_a_hidden_count_hides_every_statistic_that_implies_it() -> None:
    row = _row(
        n_baseline=40,
        n_paired=None,
        suppressed={"n_paired": "secondary"},
        baseline_mean=9.0,
        mean_change=4.0,
        change_ci_low=1.0,
        change_ci_high=7.0,
        coverage=0.3,
        rc_threshold=6.0,
    )
    hidden = hide_implied(row, "outcomes")
    assert hidden.baseline_mean == 9.0 and hidden.rc_threshold == 6.0  # rest on other counts
    for field in ("mean_change", "change_ci_low", "change_ci_high", "coverage"):
        assert getattr(hidden, field) is None and hidden.suppressed[field] == "secondary"
    # A count that is simply absent (no reason) hides nothing.
    assert hide_implied(_row(mean_change=4.0), "outcomes").mean_change == 4.0


def test_public_precision() -> None:
    row = rounded(_row(mean_change=49 / 11, d_z=0.78146, coverage=0.123456), "outcomes")
    # Effect sizes to 2 decimals; means are left to mean_decimals; proportions are
    # recomputed from rounded counts and keep their digits.
    assert row.mean_change == 49 / 11 and row.d_z == 0.78 and row.coverage == 0.123456


def test_mean_decimals_grow_with_the_published_count() -> None:
    policy = DisclosurePolicy()
    assert [mean_decimals(n, policy) for n in (10, 95, 100, 105, 995, 1000, 1005, 99_995)] == [
        1,
        1,
        1,
        2,
        2,
        2,
        3,
        3,
    ]
    # The guarantee behind it: with d decimals, n_low·10⁻ᵈ ≥ 1 for every candidate count.
    for n in range(10, 3000, 5):
        d = mean_decimals(n, policy)
        assert max(n - 2, 10) * 10.0**-d >= 1
    assert mean_decimals(10, DisclosurePolicy(min_n=2)) == 0


def test_public_rows_follow_the_map(reference_public: BenchmarkResult) -> None:
    for section in IMPLIES:
        for row in reference_public.section(section):
            for field, counts in IMPLIES[section].items():
                if "." in field:
                    continue
                if any(getattr(row, c) is None and c in row.suppressed for c in counts):
                    assert getattr(row, field) is None, (section, row.key(), field)


def test_owner_view_is_unchanged(reference_raw: BenchmarkResult) -> None:
    owner = reference_raw.services[0].organisation_id
    view = controlled(reference_raw, viewer_organisation_id=owner)
    mine = {r.key(): r for r in reference_raw.outcomes if r.organisation_id == owner}
    shown = [r for r in view.outcomes if r.organisation_id == owner]
    assert shown and all(r == mine[r.key()] for r in shown)
    economics = {r.key(): r for r in reference_raw.economics}
    own_services = {s.service_id for s in reference_raw.services if s.organisation_id == owner}
    for row in view.economics:
        if row.service_id in own_services:
            assert row == economics[row.key()]
