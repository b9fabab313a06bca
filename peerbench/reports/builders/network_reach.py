"""The network report's sections on reach: equity of follow-up, staying in touch, and
data coverage by member (public view; every count passes the disclosure policy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from peerbench.benchmarking import BenchmarkResult
from peerbench.reports import charts
from peerbench.reports import formatting as fmt
from peerbench.reports.builders.chart_inputs import retention_rows
from peerbench.reports.builders.inputs import ReportData
from peerbench.reports.builders.quality_data import MEMBER_COLUMNS, member_coverage, member_rows
from peerbench.reports.builders.shares import controlled_shares
from peerbench.reports.builders.wording import instrument_name, label
from peerbench.reports.content import Figure, Section, Table

RETENTION_MEASURES = 3
"""Measures shown on the staying-in-touch chart (those with the most evidence)."""


def _paired_people(data: ReportData, instrument: str, timepoint: str) -> pa.Table:
    paired = data.paired
    chosen = paired.filter(
        pc.and_(
            pc.equal(paired["instrument"], instrument), pc.equal(paired["timepoint"], timepoint)
        )
    )
    return chosen.select(["participant_key", "service_id"])


def quintile_counts(table: pa.Table) -> dict[str, int]:
    """People per fifth of areas (deciles 1-2 are fifth 1, and so on); missing skipped."""
    deciles = pc.drop_null(table["deprivation_decile"]).to_numpy(zero_copy_only=False)
    deciles = np.asarray(deciles, dtype=np.float64)
    fifths = (deciles[~np.isnan(deciles)].astype(np.int64) + 1) // 2
    counts = np.bincount(fifths, minlength=6)
    return {str(q): int(counts[q]) for q in range(1, 6)}


def equity_section(data: ReportData, headline: tuple[str, str] | None) -> Section | None:
    """Who is followed up on the ``headline`` measure, by area deprivation, against everyone."""
    participants = data.tables.get("participant")
    if (
        participants is None
        or headline is None
        or "deprivation_decile" not in (participants.column_names)
    ):
        return None
    instrument, timepoint = headline
    keys = _paired_people(data, instrument, timepoint)
    both = pc.binary_join_element_wise(
        participants["participant_key"], participants["service_id"], "|"
    )
    wanted = pc.binary_join_element_wise(keys["participant_key"], keys["service_id"], "|")
    followed = participants.filter(pc.is_in(both, wanted))
    policy = data.policy
    everyone, _ = controlled_shares(quintile_counts(participants), policy, owner=False)
    scored, _ = controlled_shares(quintile_counts(followed), policy, owner=False)
    rows = [
        {
            "category": label("deprivation_quintile", q),
            "service_share": scored[q],
            "population_share": everyone[q],
        }
        for q in everyone
    ]
    chart = charts.reach_vs_population(
        rows,
        category_label="Area deprivation (fifths of areas)",
        service_label="People with before-and-after scores",
        population_label="Everyone supported",
        title="Are people from poorer areas equally likely to be followed up?",
    )
    gap = [
        float(r["service_share"]) - float(r["population_share"])
        for r in rows
        if isinstance(r["service_share"], float) and isinstance(r["population_share"], float)
    ]
    widest = max((abs(g) for g in gap), default=0.0)
    meaning = (
        "People from every kind of area are followed up in similar proportions (no gap "
        f"larger than {fmt.number(widest * 100)} percentage points), so the results are not "
        "skewed towards better-off areas."
        if widest < 0.05
        else f"Some kinds of area are under-represented among people followed up (gaps of up "
        f"to {fmt.number(widest * 100)} percentage points); results may over-represent the rest."
    )
    return Section(
        "Reach and equity",
        intro="Peer support should reach people wherever they live. The first bar in each "
        "pair shows people whose change can be measured, the second everyone supported.",
        blocks=[Figure(chart, meaning)],
    )


def retention_section(
    result: BenchmarkResult, measures: Sequence[tuple[str, str]]
) -> Section | None:
    """Of people who improved early, the share still followed up later (three measures)."""
    series: list[dict[str, Any]] = []
    names: list[str] = []
    for instrument, _ in measures:
        if len(names) >= RETENTION_MEASURES:
            break
        rows = retention_rows(result, instrument, {instrument_name(instrument): None})
        if rows:
            names.append(instrument_name(instrument))
            series += rows
    if not series:
        return None
    chart = charts.retention_curve(
        series,
        title="Of people who improved by 3 months, the share with a later score",
        series_order=names,
    )
    return Section(
        "Staying in touch",
        intro="Long-term benefit can only be shown for people who fill in a later "
        "questionnaire.",
        blocks=[
            Figure(
                chart,
                "Fewer than half of the people who improved early fill in a questionnaire a "
                "year on, so long-term results rest on a minority; better follow-up would "
                "strengthen the case."
                if any(r["months"] == 12 and isinstance(r["share"], float) and r["share"] < 0.5
                       for r in series)
                else "Most people who improved early are still followed up later.",
            )
        ],
    )  # fmt: skip


def coverage_section(data: ReportData) -> Section | None:
    """How many people each member brings and follows up (two members or more)."""
    members = member_coverage(data.tables)
    if len(members) < 2:
        return None
    rows = member_rows(members, data.organisation_names, data.policy, owner=False)
    return Section(
        "Data coverage by member",
        blocks=[
            Table(
                columns=MEMBER_COLUMNS,
                rows=rows,
                caption="How much each member contributes",
                what_it_means="Members that follow up more people add more evidence; the "
                "data-quality report has the detail.",
            )
        ],
    )
