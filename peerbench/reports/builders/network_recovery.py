"""The network report's recovery section: NHS Talking Therapies recovery (PHQ-9 and GAD-7
read together, SPEC §12.3) beside each questionnaire's own recovery rate.

NHS Talking Therapies publishes one recovery rate per service, counting a person as
needing help when *either* questionnaire is in the clinical range at the start, and as
recovered when *both* are below it at the end. Per-questionnaire rates answer a
different question, so the table shows the three side by side, for all services pooled
at the follow-up with the most people. Every figure is from the controlled result.
"""

from __future__ import annotations

from peerbench.benchmarking import BenchmarkResult, OutcomeMetrics
from peerbench.benchmarking.joint import ANXIETY, DEPRESSION, TALKING_THERAPIES
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import select
from peerbench.reports.builders.wording import timepoint_phrase
from peerbench.reports.content import Section, Table, TableCell
from peerbench.reports.suppression import as_suppressed

ROWS = (
    (TALKING_THERAPIES, "Low mood or anxiety, as NHS Talking Therapies counts it"),
    (DEPRESSION, "Low mood alone (PHQ-9)"),
    (ANXIETY, "Anxiety alone (GAD-7)"),
)
"""Rows of the table: the joint rate first, then each questionnaire's own."""


def _rate(row: OutcomeMetrics, field: str, low: str, high: str) -> TableCell:
    value = select.value(row, field)
    marker = as_suppressed(value)
    if value is None or marker is not None:
        return marker
    return fmt.percent_ci(value, select.value(row, low), select.value(row, high))


def recovery_section(result: BenchmarkResult) -> Section | None:
    """The recovery table (None when no service has people with both questionnaires)."""
    if select.pooled(result, TALKING_THERAPIES, "end") is None:
        return None
    timepoint = select.headline_timepoint(result, TALKING_THERAPIES)
    rows: list[list[TableCell]] = []
    for code, name in ROWS:
        row = select.pooled(result, code, timepoint)
        if row is None:
            continue
        rows.append(
            [
                name,
                select.value(row, "n_paired"),
                select.value(row, "n_case_baseline"),
                _rate(row, "recovery_rate", "recovery_ci_low", "recovery_ci_high"),
                _rate(row, "share_improved", "improved_ci_low", "improved_ci_high"),
            ]
        )
    if select.paired_n(select.pooled(result, TALKING_THERAPIES, timepoint)) == 0:
        return None
    return Section(
        "Recovery from low mood and anxiety",
        intro="NHS Talking Therapies counts someone as needing help when either their low mood "
        "(PHQ-9 of 10 or more) or their anxiety (GAD-7 of 8 or more) is in the clinical range "
        "at the start, and as recovered when both are below it later. The first row counts "
        "people who filled in both questionnaires at the start and "
        f"{timepoint_phrase(timepoint)}; the others read each questionnaire on its own, for "
        "everyone who filled it in twice.",
        blocks=[
            Table(
                columns=[
                    "Measure",
                    "People with both scores",
                    "In the clinical range at the start",
                    "Recovered",
                    "Clearly improved",
                ],
                rows=rows,
                caption="Recovery, as NHS Talking Therapies counts it",
                what_it_means="Recovered: of the people in the clinical range at the start, the "
                "share below it later. Clearly improved: better by more than the questionnaire's "
                "margin of error (PHQ-9 6 points, GAD-7 4) on either, and worse on neither. The "
                "range in brackets is the 95% confidence interval.",
            )
        ],
    )
