"""The network report's access section, "From referral to first contact" (SPEC §12.y),
and the commissioner summary's panel "How quickly people are seen".

Both read the public (disclosure-controlled) access rows of the benchmark: every count
is already rounded or hidden, waits are published only on at least ``min_n`` waits, and
a hidden value prints as the policy's wording. Each figure carries its base number.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from peerbench.benchmarking import BenchmarkResult
from peerbench.benchmarking.access_rows import NOT_RECORDED, OVERALL, AccessReasonRow, AccessRow
from peerbench.benchmarking.result import ALL_PERIODS
from peerbench.disclosure import TOTAL
from peerbench.reports import formatting as fmt
from peerbench.reports.builders import select
from peerbench.reports.builders.periods import long_date
from peerbench.reports.builders.wording import label
from peerbench.reports.content import Block, Callout, Section, Table, TableCell
from peerbench.reports.suppression import SuppressionWording
from peerbench.schema.codelists import (
    ConditionFocus,
    FacilitatorModel,
    ReferralSource,
    ReferralUptake,
)

__all__ = ["access_panel", "access_section", "group_label"]

TITLE = "From referral to first contact"
PANEL_TITLE = "How quickly people are seen"
_LISTS = {
    "route": ReferralSource,
    "condition": ConditionFocus,
    "service_model": FacilitatorModel,
}
_HEADINGS = {
    OVERALL: "All referrals",
    "route": "Referred by",
    "condition": "Condition",
    "deprivation_quintile": "Area deprivation (fifth)",
    "service_model": "Who runs the support",
    "network": "Network",
}
FUNNEL_BREAKDOWNS = (OVERALL, "route", "condition", "deprivation_quintile", "service_model")


def group_label(breakdown: str, group: str) -> str:
    """The reader-facing name of a group: "GP or primary care", "1 (most deprived)"."""
    if breakdown == OVERALL:
        return "All referrals"
    if group == NOT_RECORDED:
        return "Not recorded"
    if breakdown == "deprivation_quintile":
        return label("deprivation_quintile", group.removeprefix("Q"))
    codes = _LISTS.get(breakdown)
    if codes is not None and group in codes.codes():
        return codes(group).label
    return group.replace("_", " ").capitalize()


def _rows(result: BenchmarkResult, breakdowns: Sequence[str]) -> list[AccessRow]:
    chosen = [r for r in result.access if r.period == ALL_PERIODS and r.breakdown in breakdowns]
    return sorted(chosen, key=lambda r: (breakdowns.index(r.breakdown), r.group))


def _name(row: AccessRow) -> str:
    name = group_label(row.breakdown, row.group)
    return name if row.breakdown == OVERALL else f"{_HEADINGS[row.breakdown]}: {name}"


def _wait_table(result: BenchmarkResult) -> Table:
    rows: list[list[TableCell]] = [
        [
            _name(r),
            select.value(r, "n_referred"),
            select.value(r, "n_contacted"),
            _or_none(select.value(r, "median_wait_days"), "no one seen yet"),
            _or_none(select.value(r, "p90_wait_days"), "no one seen yet"),
            select.value(r, "n_waiting"),
            _or_none(select.value(r, "median_waiting_days"), "no one waiting"),
        ]
        for r in _rows(result, (OVERALL, "route", "deprivation_quintile", "service_model"))
    ]
    return Table(
        columns=[
            "Group",
            "Referrals",
            "First contact made",
            "Median wait (days)",
            "9 in 10 seen within (days)",
            "Still waiting",
            "Waited so far, median (days)",
        ],
        rows=rows,
        caption="Days from referral to first contact",
        what_it_means="Waits count days from the referral to the service's first contact. "
        "People still waiting are counted separately with how long they have waited so "
        "far: their final wait will be longer, so they are never left out.",
    )


def _funnel_table(result: BenchmarkResult) -> Table:
    rows: list[list[TableCell]] = []
    for r in _rows(result, FUNNEL_BREAKDOWNS):
        cells: list[TableCell] = [_name(r), select.value(r, "n_referred")]
        for stage in ("started", "attended", "completed"):
            cells += [select.value(r, f"n_{stage}"), select.value(r, f"share_{stage}")]
        rows.append(cells)
    return Table(
        columns=[
            "Group",
            "Referred",
            "Started support",
            "Share started",
            "Came to a session",
            "Share came",
            "Completed",
            "Share completed",
        ],
        rows=rows,
        caption="From referral to completing support",
        what_it_means="Each step is a share of everyone referred, so the drop between "
        "steps shows where people are lost: before starting, before the first session, or "
        "before the end of support.",
    )


def _reason_table(reasons: Sequence[AccessReasonRow]) -> Table:
    ordered = sorted(reasons, key=lambda r: (r.uptake == TOTAL, r.uptake))
    rows: list[list[TableCell]] = [
        [
            "All not started"
            if r.uptake == TOTAL
            else ReferralUptake(r.uptake).label
            if r.uptake in ReferralUptake.codes()
            else r.uptake,
            select.value(r, "n"),
            select.value(r, "share"),
        ]
        for r in ordered
    ]
    return Table(
        columns=["Why support did not start", "Referrals", "Share of those not started"],
        rows=rows,
        caption="Referrals that have not started support",
        what_it_means="People who could not be contacted or did not take up the offer may "
        "need a different route in; people still waiting are counted here until their "
        "first contact.",
    )


def access_section(result: BenchmarkResult) -> Section | None:
    """The network report section; None when the pool holds no referrals."""
    overall = select.first(result.access, breakdown=OVERALL, period=ALL_PERIODS)
    if overall is None:
        return None
    reasons = [r for r in result.access_reasons if r.period == ALL_PERIODS]
    day = long_date(_as_of(overall))
    blocks: list[Block] = [_wait_table(result), _funnel_table(result)]
    if reasons:
        blocks.append(_reason_table(reasons))
    blocks.append(
        Callout(
            "Figures for a group are hidden when they rest on too few people, or when they "
            "would let a reader work out a small number from the steps next to them.",
        )
    )
    return Section(
        TITLE,
        intro=f"How long people wait after being referred, and how many go on to start, "
        f"attend and complete support, measured on {day}.",
        blocks=blocks,
    )


def _as_of(row: AccessRow) -> dt.date:
    """The row's measurement day (always set by the engine)."""
    return dt.date.fromisoformat(str(row.as_of))


def access_panel(result: BenchmarkResult, wording: SuppressionWording) -> Section | None:
    """The commissioner summary's plain-words panel (a table: each figure beside the
    number it rests on); None without referrals."""
    overall = select.first(result.access, breakdown=OVERALL, period=ALL_PERIODS)
    if overall is None:
        return None

    def n(field: str) -> str:
        return fmt.number(select.value(overall, field), wording=wording)

    def days(field: str) -> str:
        return _days(select.value(overall, field), wording)

    rows: list[list[TableCell]] = [
        [
            "Typical wait for a first contact",
            days("median_wait_days"),
            f"Half of the {n('n_contacted')} people contacted so far were seen within this "
            f"time ({n('n_referred')} referrals in all).",
        ],
        [
            "Nine in ten people were seen within",
            days("p90_wait_days"),
            f"The same {n('n_contacted')} people: only 1 in 10 waited longer.",
        ],
        [
            "Still waiting for a first contact",
            n("n_waiting"),
            f"Half of them have waited {days('median_waiting_days')} so far; their final "
            "wait will be longer.",
        ],
        [
            "Referrals that led to support",
            fmt.percent(select.value(overall, "share_started"), wording=wording),
            f"Of {n('n_referred')} referrals, {n('n_started')} started support and "
            f"{n('n_attended')} came to at least one session.",
        ],
    ]
    return Section(
        PANEL_TITLE,
        intro=f"From referral to first contact, measured on {long_date(_as_of(overall))}.",
        blocks=[
            Table(
                columns=["", "Figure", "What it rests on"],
                rows=rows,
                caption=PANEL_TITLE,
                what_it_means="Long waits and referrals that never start are where people "
                "are lost before peer support can help; small numbers are hidden.",
                numeric=frozenset({1}),
            )
        ],
    )


def _or_none(value: TableCell, words: str) -> TableCell:
    """A statistic of nobody (no wait to take a median of) said in words, not left blank."""
    return words if value is None else value


def _days(value: object, wording: SuppressionWording) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = fmt.number(value)
        return "1 day" if text == "1" else f"{text} days"
    return fmt.number(value, wording=wording)
